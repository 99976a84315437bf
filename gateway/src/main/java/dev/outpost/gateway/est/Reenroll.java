package dev.outpost.gateway.est;

import dev.outpost.gateway.ca.AgentIdentity;
import dev.outpost.gateway.ca.CertificateAuthority;
import dev.outpost.gateway.ca.PeerIdentity;
import dev.outpost.gateway.http.Responses;
import dev.outpost.gateway.store.Renewals;
import dev.outpost.wire.Durations;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpResponseStatus;
import java.security.cert.X509Certificate;
import java.sql.SQLException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * EST {@code simplereenroll} (RFC 7030 section 4.2.2): an agent renews with its current client certificate — or one
 * expired within the renewal grace, which the EST listener's trust manager admits — and a CSR for a new key. The
 * certificate lineage decides whether it may (see {@link Renewals}).
 */
public final class Reenroll {
    private static final Logger LOG = LoggerFactory.getLogger("outpost.gateway.est");
    private final CertificateAuthority ca;
    private final Renewals renewals;
    private final Responses responses;
    private final String trustDomain;
    private final Duration validity;
    private final Duration grace;
    private final Clock clock;

    /** {@code grace}: how long after expiry a certificate may still renew (0: not at all). */
    public Reenroll(CertificateAuthority ca, Renewals renewals, Responses responses, String trustDomain,
            Duration validity, Duration grace, Clock clock) {
        if (grace.isNegative()) {
            throw new IllegalArgumentException("renewal grace " + grace + " must not be negative");
        }
        this.ca = ca;
        this.renewals = renewals;
        this.responses = responses;
        this.trustDomain = trustDomain;
        this.validity = validity;
        this.grace = grace;
        this.clock = clock;
    }

    /** Answers one {@code simplereenroll} from {@code source}, whose TLS client certificate is {@code peer}. */
    FullHttpResponse handle(String source, FullHttpRequest req, X509Certificate peer) {
        if (peer == null) {
            return responses.text(HttpResponseStatus.UNAUTHORIZED,
                    "simplereenroll needs the current certificate as the TLS client certificate");
        }
        AgentIdentity id = PeerIdentity.of(peer);
        if (id == null) {
            return responses.text(HttpResponseStatus.FORBIDDEN, "client certificate does not name an Outpost agent");
        }
        String what = "EST renewal from " + source + " by " + id.agentId();
        CsrBody.Parsed parsed = CsrBody.read(req, responses, LOG, what);
        if (parsed.refusal() != null) {
            return parsed.refusal();
        }
        if (parsed.csr().publicKey().equals(peer.getPublicKey())) {
            LOG.warn("{}: refused (400): the CSR carries the current key", what);
            return responses.text(HttpResponseStatus.BAD_REQUEST,
                    "renewal needs a new key pair: the CSR carries the key of the current certificate");
        }
        Instant expiry = peer.getNotAfter().toInstant();
        if (clock.instant().isAfter(expiry.plus(grace))) {
            String why = "certificate expired at " + expiry + (grace.isZero() ? " and this gateway's renewal grace is off"
                    : ", more than the renewal grace of " + Durations.format(grace) + " ago")
                    + "; enroll this host again with a new token";
            LOG.warn("{}: refused (403): {}", what, why);
            return responses.text(HttpResponseStatus.FORBIDDEN, why);
        }
        String note = clock.instant().isAfter(expiry) ? "within the renewal grace: expired at " + expiry : "";
        String serial = peer.getSerialNumber().toString(16);
        try {
            X509Certificate cert = renewals.renew(id, serial, source, note,
                    i -> ca.issueAgent(parsed.csr().publicKey(), i, trustDomain, validity));
            LOG.info("{}: renewed serial {} -> {}, valid until {}{}", what, serial, cert.getSerialNumber().toString(16),
                    cert.getNotAfter().toInstant(), note.isEmpty() ? "" : " (" + note + ")");
            return EstHandler.certs(responses, HttpResponseStatus.OK, List.of(cert));
        } catch (Renewals.RefusedException e) {
            LOG.warn("{}: refused (403): {}", what, e.getMessage());
            return responses.text(HttpResponseStatus.FORBIDDEN, e.getMessage());
        } catch (SQLException e) {
            LOG.error("{}: state database error", what, e);
            return responses.text(HttpResponseStatus.SERVICE_UNAVAILABLE, "renewal is unavailable; try again later");
        }
    }
}
