package dev.outpost.agent.enroll;

import dev.outpost.agent.tls.Credentials;
import dev.outpost.agent.tls.Identity;
import dev.outpost.agent.transport.HttpsClient;
import dev.outpost.wire.EcKeys;
import io.netty.channel.EventLoopGroup;
import java.io.IOException;
import java.net.URI;
import java.security.KeyPair;
import java.security.SecureRandom;
import java.security.cert.X509Certificate;
import java.time.Duration;
import org.bouncycastle.asn1.x500.X500Name;

/**
 * A renewal over EST {@code simplereenroll}: a new key pair generated here, a CSR with the current subject (as
 * RFC 7030 section 4.2.2 asks), sent on a fresh connection that presents the current certificate. The answer must be
 * for the new key, for the same agent, and issued by a CA of the pinned trust bundle.
 */
public final class EstRenewal implements Renewer.Reenroll {
    private final URI server;
    private final Identity identity;
    private final EventLoopGroup group;
    private final Duration timeout;
    private final SecureRandom random;

    public EstRenewal(URI server, Identity identity, EventLoopGroup group, Duration timeout, SecureRandom random) {
        this.server = server;
        this.identity = identity;
        this.group = group;
        this.timeout = timeout;
        this.random = random;
    }

    @Override
    public Credentials renew(Credentials current) throws IOException {
        KeyPair kp = EcKeys.generate(random);
        X500Name subject = X500Name.getInstance(current.certificate().getSubjectX500Principal().getEncoded());
        X509Certificate cert;
        try (HttpsClient http = new HttpsClient(server, identity::context, group, timeout, identity)) {
            cert = new EstClient(http).simpleReenroll(CertificateRequests.csr(kp, subject));
        }
        CertificateRequests.checkIssued(cert, kp.getPublic(), current.trustBundle());
        Credentials next = new Credentials(kp.getPrivate(), cert, current.trustBundle());
        if (!next.agentId().equals(current.agentId()) || !next.org().equals(current.org())) {
            throw new IOException("the gateway renewed the certificate for another identity (" + next.agentId()
                    + ", org " + next.org() + "); refusing it");
        }
        return next;
    }
}
