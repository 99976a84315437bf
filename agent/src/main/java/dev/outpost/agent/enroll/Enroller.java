package dev.outpost.agent.enroll;

import dev.outpost.agent.tls.Credentials;
import dev.outpost.agent.tls.PinnedCaTrustManager;
import dev.outpost.agent.tls.TlsSettings;
import dev.outpost.agent.transport.HttpsClient;
import dev.outpost.wire.CaPin;
import dev.outpost.wire.EcKeys;
import dev.outpost.wire.EnrollmentToken;
import io.netty.channel.EventLoopGroup;
import io.netty.handler.ssl.SslContext;
import java.io.IOException;
import java.net.URI;
import java.security.KeyPair;
import java.security.SecureRandom;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.util.List;
import org.bouncycastle.asn1.x500.X500NameBuilder;
import org.bouncycastle.asn1.x500.style.BCStyle;

/**
 * First enrollment: trusts the gateway only through the CA pin, generates an EC P-256 key on this host, sends
 * a CSR with the token, checks what comes back (our key, issued by the pinned CA) and returns the credentials.
 */
public final class Enroller {
    private final EventLoopGroup group;
    private final SecureRandom random;
    private final Duration timeout;

    public Enroller(EventLoopGroup group, SecureRandom random, Duration timeout) {
        this.group = group;
        this.random = random;
        this.timeout = timeout;
    }

    public Credentials enroll(URI server, CaPin pin, EnrollmentToken token, String hostname) throws IOException {
        PinnedCaTrustManager trust = new PinnedCaTrustManager(pin);
        SslContext ctx = TlsSettings.anonymous(trust);
        try (HttpsClient http = new HttpsClient(server, () -> ctx, group, timeout)) {
            EstClient est = new EstClient(http);
            List<X509Certificate> bundle = est.caCerts();
            if (bundle.stream().noneMatch(pin::matches)) {
                throw new IOException("the gateway's CA bundle does not contain the pinned CA " + pin
                        + "; check the pin with `outpost-gateway pin`");
            }
            KeyPair kp = EcKeys.generate(random);
            X509Certificate cert = est.simpleEnroll(csr(kp, hostname), token.id(), token.secret());
            CertificateRequests.checkIssued(cert, kp.getPublic(), List.of(trust.pinnedCa()));
            return new Credentials(kp.getPrivate(), cert, bundle);
        }
    }

    static byte[] csr(KeyPair kp, String hostname) throws IOException {
        return CertificateRequests.csr(kp, new X500NameBuilder(BCStyle.INSTANCE).addRDN(BCStyle.CN, hostname).build());
    }
}
