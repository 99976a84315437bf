package dev.outpost.gateway.est;

import dev.outpost.gateway.ca.AgentIdentity;
import dev.outpost.gateway.ca.PeerIdentity;
import dev.outpost.gateway.http.Responses;
import dev.outpost.gateway.store.Issued;
import dev.outpost.gateway.store.Renewals;
import dev.outpost.wire.Durations;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpResponseStatus;
import java.security.PublicKey;
import java.security.cert.X509Certificate;
import java.sql.SQLException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Objects;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * EST {@code simplereenroll} (RFC 7030 section 4.2.2): an agent renews with its current client certificate — or one
 * expired within the renewal grace, which the EST listener's trust manager admits — and a CSR for a new key (or the
 * same key, where {@code ca.same_key_renewal} allows it). The certificate lineage decides whether it may (see
 * {@link Renewals}).
 */
public final class Reenroll {
    private static final Logger LOG = LoggerFactory.getLogger("outpost.gateway.est");
    private final Issuance issuance;
    private final Renewals renewals;
    private final Responses responses;
    private final Duration grace;
    private final Clock clock;

    public Reenroll(Issuance issuance, Renewals renewals, Responses responses, Clock clock) {
        this.issuance = Objects.requireNonNull(issuance, "issuance");
        this.renewals = Objects.requireNonNull(renewals, "renewals");
        this.responses = Objects.requireNonNull(responses, "responses");
        this.grace = issuance.policy().renewalGrace();
        this.clock = Objects.requireNonNull(clock, "clock");
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
        CsrBody.Parsed parsed = CsrBody.read(req, issuance.keyTypes(), responses, LOG, what);
        if (parsed.refusal() != null) {
            return parsed.refusal();
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
        PublicKey key = parsed.csr().publicKey();
        try {
            Issued issued = renewals.renew(id, peer, key, source, note, i -> issuance.issueAgent(key, i));
            X509Certificate cert = issued.certificate();
            if (issued.retried()) {
                LOG.info("{}: the same request again (from serial {}, for the same new key): answered with serial {}, "
                        + "issued earlier, valid until {}", what, serial, cert.getSerialNumber().toString(16),
                        cert.getNotAfter().toInstant());
            } else {
                LOG.info("{}: renewed serial {} -> {}, valid until {}{}", what, serial,
                        cert.getSerialNumber().toString(16), cert.getNotAfter().toInstant(),
                        note.isEmpty() ? "" : " (" + note + ")");
            }
            return EstHandler.certs(responses, HttpResponseStatus.OK, List.of(cert));
        } catch (Renewals.RefusedException e) {
            LOG.warn("{}: refused ({}): {}", what, e.status(), e.getMessage());
            return responses.text(HttpResponseStatus.valueOf(e.status()), e.getMessage());
        } catch (SQLException e) {
            LOG.error("{}: state database error", what, e);
            return responses.text(HttpResponseStatus.SERVICE_UNAVAILABLE, "renewal is unavailable; try again later");
        }
    }
}
