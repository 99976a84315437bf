package dev.outpost.gateway.store;

import dev.outpost.gateway.ca.AgentIdentity;
import java.security.cert.X509Certificate;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Objects;
import java.util.function.Function;

/**
 * Certificate renewal and its lineage. The gateway remembers each agent's current certificate serial and the one
 * before it; renewal is accepted from the current certificate, or from the previous one for {@link #OVERLAP}
 * after it was replaced (an answer lost on the way). A renewal from any older certificate means its key was
 * copied: the agent is locked (every request refused), and the lock is audited.
 */
public final class Renewals {
    /** How long the certificate before the current one may still renew. */
    public static final Duration OVERLAP = Duration.ofMinutes(10);
    private final Database db;
    private final AuditLog audit;
    private final Clock clock;

    public Renewals(Database db, Clock clock) {
        this.db = Objects.requireNonNull(db, "db");
        this.clock = Objects.requireNonNull(clock, "clock");
        this.audit = new AuditLog(clock);
    }

    /** A refused renewal; the message is safe to send to the agent and to log. */
    public static final class RefusedException extends Exception {
        private static final long serialVersionUID = 1L;

        public RefusedException(String message) {
            super(message, null, false, false);
        }
    }

    private record Outcome(X509Certificate certificate, String refusal) {
    }

    /**
     * Issues a new certificate (from {@code issue}) to the agent presenting the certificate with
     * {@code presentedSerial} (hex), records it as current and audits the renewal, in one transaction.
     *
     * @throws RefusedException if the agent is unknown, revoked or locked, or presented an older certificate (which
     *     locks it)
     */
    public X509Certificate renew(AgentIdentity id, String presentedSerial, String source, String note,
            Function<AgentIdentity, X509Certificate> issue) throws SQLException, RefusedException {
        Outcome o = db.inTransaction(c -> {
            String org;
            String status;
            String serial;
            String prevSerial;
            long renewedAt;
            try (PreparedStatement ps = c.prepareStatement(
                    "SELECT org, status, serial, prev_serial, renewed_at FROM agents WHERE id = ?")) {
                ps.setString(1, id.agentId());
                try (ResultSet rs = ps.executeQuery()) {
                    if (!rs.next()) {
                        return new Outcome(null, "agent " + id.agentId() + " is not enrolled at this gateway");
                    }
                    org = rs.getString(1);
                    status = rs.getString(2);
                    serial = rs.getString(3);
                    prevSerial = rs.getString(4);
                    renewedAt = rs.getLong(5);
                }
            }
            if (!org.equals(id.org())) {
                return new Outcome(null, "agent " + id.agentId() + " belongs to another org");
            }
            if (!AgentRegistry.ACTIVE.equals(status)) {
                return new Outcome(null, "agent " + id.agentId() + " is " + status
                        + "; enroll the host again with a new token");
            }
            Instant now = clock.instant();
            boolean current = presentedSerial.equals(serial);
            boolean previous = presentedSerial.equals(prevSerial)
                    && now.isBefore(Instant.ofEpochMilli(renewedAt).plus(OVERLAP));
            if (!current && !previous) {
                try (PreparedStatement ps = c.prepareStatement("UPDATE agents SET status = ? WHERE id = ?")) {
                    ps.setString(1, AgentRegistry.LOCKED);
                    ps.setString(2, id.agentId());
                    ps.executeUpdate();
                }
                audit.append(c, new AuditEvent(AuditEvent.AGENT_LOCK, org, id.agentId(), null, source,
                        "renewal from certificate serial " + presentedSerial + " while the current one is " + serial
                                + ": its key was copied; agent locked"));
                return new Outcome(null, "agent " + id.agentId() + " is locked: this certificate (serial "
                        + presentedSerial + ") was already renewed, so its key was copied; enroll the host again "
                        + "with a new token");
            }
            X509Certificate cert = issue.apply(id);
            String next = cert.getSerialNumber().toString(16);
            try (PreparedStatement ps = c.prepareStatement("UPDATE agents SET prev_serial = ?, serial = ?, "
                    + "not_after = ?, renewed_at = ? WHERE id = ?")) {
                ps.setString(1, current ? serial : prevSerial);
                ps.setString(2, next);
                ps.setLong(3, cert.getNotAfter().getTime());
                ps.setLong(4, now.toEpochMilli());
                ps.setString(5, id.agentId());
                ps.executeUpdate();
            }
            audit.append(c, new AuditEvent(AuditEvent.AGENT_RENEW, org, id.agentId(), null, source,
                    "serial " + presentedSerial + " -> " + next + ", valid until " + cert.getNotAfter().toInstant()
                            + (note.isEmpty() ? "" : "; " + note)));
            return new Outcome(cert, null);
        });
        if (o.refusal() != null) {
            throw new RefusedException(o.refusal());
        }
        return o.certificate();
    }
}
