package dev.outpost.agent.enroll;

import dev.outpost.agent.tls.ClientTls;
import dev.outpost.agent.tls.Credentials;
import dev.outpost.agent.tls.PinnedCaTrustManager;
import dev.outpost.agent.tls.TlsSettings;
import dev.outpost.agent.tls.TrustBundle;
import dev.outpost.agent.transport.HttpsClient;
import dev.outpost.wire.CaPin;
import dev.outpost.wire.EcKeys;
import dev.outpost.wire.EnrollmentToken;
import java.io.IOException;
import java.net.URI;
import java.security.KeyPair;
import java.security.SecureRandom;
import java.security.cert.X509Certificate;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import org.bouncycastle.asn1.x500.X500NameBuilder;
import org.bouncycastle.asn1.x500.style.BCStyle;

/**
 * First enrollment: trusts the gateway only through the CA pin, generates an EC P-256 key on this host, sends
 * a CSR with the token, checks what comes back (our key, issued by the pinned CA or one it links to during a CA
 * rollover) and returns the credentials.
 */
public final class Enroller {
    private final SecureRandom random;
    private final Duration timeout;
    private final Clock clock;

    public Enroller(SecureRandom random, Duration timeout) {
        this(random, timeout, Clock.systemUTC());
    }

    /** With the clock that decides whether a link certificate of the CA bundle is valid. */
    public Enroller(SecureRandom random, Duration timeout, Clock clock) {
        this.random = random;
        this.timeout = timeout;
        this.clock = clock;
    }

    public Credentials enroll(URI server, CaPin pin, EnrollmentToken token, String hostname) throws IOException {
        PinnedCaTrustManager trust = new PinnedCaTrustManager(pin);
        ClientTls ctx = TlsSettings.anonymous(trust);
        try (HttpsClient http = new HttpsClient(server, () -> ctx, timeout)) {
            EstClient est = new EstClient(http);
            List<X509Certificate> bundle = TrustBundle.pinned(pin, est.caCerts(), clock.instant());
            KeyPair kp = EcKeys.generate(random);
            X509Certificate cert = est.simpleEnroll(csr(kp, hostname), token.id(), token.secret());
            CertificateRequests.checkIssued(cert, kp.getPublic(), bundle);
            return new Credentials(kp.getPrivate(), cert, bundle);
        }
    }

    static byte[] csr(KeyPair kp, String hostname) throws IOException {
        return CertificateRequests.csr(kp,
                new X500NameBuilder(BCStyle.INSTANCE).addRDN(BCStyle.CN, hostname).build().getEncoded());
    }
}
