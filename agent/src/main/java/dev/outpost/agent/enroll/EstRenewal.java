package dev.outpost.agent.enroll;

import dev.outpost.agent.tls.Credentials;
import dev.outpost.agent.tls.Identity;
import dev.outpost.agent.tls.TrustBundle;
import dev.outpost.agent.transport.HttpsClient;
import java.io.IOException;
import java.net.URI;
import java.security.KeyPair;
import java.security.SecureRandom;
import java.security.cert.X509Certificate;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * A renewal over EST: on a fresh connection that presents the current certificate, first {@code cacerts} again, so
 * that the agent follows a CA rollover (see {@link TrustBundle}: the bundle is authenticated by the connection and by
 * the link certificates), then {@code simplereenroll} with a CSR for a new key pair generated here, with the current
 * subject (RFC 7030 section 4.2.2). The key is kept until a later renewal ({@link RenewalKey}), so that a retry after a
 * lost answer is the same request. The answer must be for the new key, for the same agent, and issued by a trusted CA.
 */
public final class EstRenewal implements Renewer.Reenroll {
    private final List<URI> servers;
    /** The server the next renewal starts at: the one after a server that could not be reached. */
    private int start;
    private final Identity identity;
    private final Duration timeout;
    private final RenewalKey keys;
    private final Clock clock;

    public EstRenewal(URI server, Identity identity, Duration timeout, SecureRandom random) {
        this(List.of(server), identity, timeout, random, Clock.systemUTC());
    }

    /** Renewing at the first of {@code servers} that can be reached (one fleet's gateways, tried in turn). */
    public EstRenewal(List<URI> servers, Identity identity, Duration timeout,
            SecureRandom random) {
        this(servers, identity, timeout, random, Clock.systemUTC());
    }

    /** With the clock that decides whether a link certificate is valid. */
    public EstRenewal(URI server, Identity identity, Duration timeout, SecureRandom random,
            Clock clock) {
        this(List.of(server), identity, timeout, random, clock);
    }

    /** As above, with several servers tried in turn. */
    public EstRenewal(List<URI> servers, Identity identity, Duration timeout,
            SecureRandom random, Clock clock) {
        this.servers = List.copyOf(servers);
        this.identity = identity;
        this.timeout = timeout;
        this.keys = new RenewalKey(identity.stateDir(), random);
        this.clock = clock;
    }

    @Override
    public void renewedCertificateRefused() throws IOException {
        keys.discard();
    }

    @Override
    public Credentials renew(Credentials current) throws IOException {
        KeyPair kp = keys.next(current.certificate().getPublicKey());
        byte[] subject = current.certificate().getSubjectX500Principal().getEncoded();
        X509Certificate cert;
        List<X509Certificate> trusted;
        List<URI> order = new ArrayList<>(servers.subList(start, servers.size()));
        order.addAll(servers.subList(0, start));
        try (HttpsClient http = new HttpsClient(order, identity::context, timeout, identity)) {
            EstClient est = new EstClient(http);
            try {
                trusted = TrustBundle.accept(current.trustBundle(), est.caCerts(), clock.instant());
                identity.trust(trusted);
                cert = est.simpleReenroll(CertificateRequests.csr(kp, subject));
            } catch (EstClient.RefusedException e) {
                throw e;
            } catch (IOException e) {
                // The next attempt (after the renewer's backoff) starts where this client would have gone next.
                start = servers.indexOf(http.base());
                throw e;
            }
        } catch (EstClient.RefusedException e) {
            if (e.status() == 400) {
                keys.discard();
            }
            throw e;
        }
        CertificateRequests.checkIssued(cert, kp.getPublic(), trusted);
        Credentials next = new Credentials(kp.getPrivate(), cert, trusted);
        if (!next.agentId().equals(current.agentId()) || !next.org().equals(current.org())) {
            throw new IOException("the gateway renewed the certificate for another identity (" + next.agentId()
                    + ", org " + next.org() + "); refusing it");
        }
        return next;
    }
}
