package dev.outpost.gateway.store;

import dev.outpost.gateway.ca.AgentIdentity;
import java.security.PublicKey;
import java.security.cert.X509Certificate;
import java.sql.Connection;
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
 * after it was replaced (an answer lost on the way). The previous certificate asking again for the key of the current
 * one, at any time, is that same request retried: it gets the current certificate again. Any other renewal from an
 * older certificate means its key was copied: the agent is locked (every request refused), and the lock is audited.
 */
public final class Renewals {
    /** How long the certificate before the current one may still renew with a key of its choice. */
    public static final Duration OVERLAP = Duration.ofMinutes(10);
    private final Database db;
    private final AuditLog audit;
    private final Clock clock;
    private final boolean sameKey;

    /** A gateway that refuses same-key renewal (the default). */
    public Renewals(Database db, Clock clock) {
        this(db, clock, false);
    }

    /** @param sameKey whether a renewal may keep the key of the certificate it renews ({@code ca.same_key_renewal}) */
    public Renewals(Database db, Clock clock, boolean sameKey) {
        this.db = Objects.requireNonNull(db, "db");
        this.clock = Objects.requireNonNull(clock, "clock");
        this.audit = new AuditLog(clock);
        this.sameKey = sameKey;
    }

    /** A refused renewal; the message is safe to send to the agent and to log. 403, or 400 for the CSR's key. */
    public static final class RefusedException extends Exception {
        private static final long serialVersionUID = 1L;
        private final int status;

        public RefusedException(int status, String message) {
            super(message, null, false, false);
            this.status = status;
        }

        /** The HTTP status to answer with. */
        public int status() {
            return status;
        }
    }

    private record Outcome(Issued issued, RefusedException refusal) {
        static Outcome refused(int status, String message) {
            return new Outcome(null, new RefusedException(status, message));
        }
    }

    private record Lineage(String org, String status, String serial, String prevSerial, long renewedAt, String key,
            String prevKey, byte[] cert) {
    }

    /**
     * Issues a new certificate for {@code key} (from {@code issue}) to the agent presenting {@code presented}, records
     * it as current and audits the renewal, in one transaction.
     *
     * @throws RefusedException if the agent is unknown, revoked or locked, presented an older certificate (which
     *     locks it), or the key is not acceptable (an earlier key of its own, unless same-key renewal is allowed, or
     *     another agent's)
     */
    public Issued renew(AgentIdentity id, X509Certificate presented, PublicKey key, String source, String note,
            Function<AgentIdentity, X509Certificate> issue) throws SQLException, RefusedException {
        String presentedSerial = presented.getSerialNumber().toString(16);
        boolean presentedKey = presented.getPublicKey().equals(key);
        Outcome o = db.inTransaction(c -> {
            Lineage l = lineage(c, id.agentId());
            if (l == null) {
                return Outcome.refused(403, "agent " + id.agentId() + " is not enrolled at this gateway");
            }
            if (!l.org().equals(id.org())) {
                return Outcome.refused(403, "agent " + id.agentId() + " belongs to another org");
            }
            if (!AgentRegistry.ACTIVE.equals(l.status())) {
                return Outcome.refused(403, "agent " + id.agentId() + " is " + l.status()
                        + "; enroll the host again with a new token");
            }
            String fingerprint = CertifiedKeys.fingerprint(key);
            X509Certificate stored = CertifiedKeys.parse(l.cert());
            if (presentedSerial.equals(l.prevSerial()) && fingerprint.equals(l.key()) && stored != null) {
                return new Outcome(new Issued(stored, true), null);
            }
            Instant now = clock.instant();
            boolean current = presentedSerial.equals(l.serial());
            boolean previous = presentedSerial.equals(l.prevSerial())
                    && now.isBefore(Instant.ofEpochMilli(l.renewedAt()).plus(OVERLAP));
            if (!current && !previous) {
                lock(c, id, l, presentedSerial, source);
                return Outcome.refused(403, "agent " + id.agentId() + " is locked: this certificate (serial "
                        + presentedSerial + ") was already renewed, so its key was copied; enroll the host again "
                        + "with a new token");
            }
            if (!sameKey && (presentedKey || fingerprint.equals(l.key()) || fingerprint.equals(l.prevKey()))) {
                return Outcome.refused(400, "renewal needs a new key pair: the CSR carries the key of "
                        + (presentedKey ? "the certificate it renews" : "an earlier certificate")
                        + " (this gateway refuses same-key renewal: ca.same_key_renewal is refuse)");
            }
            String holder = CertifiedKeys.holder(c, fingerprint, id.agentId());
            if (holder != null) {
                audit.append(c, new AuditEvent(AuditEvent.KEY_REUSE, l.org(), id.agentId(), null, source,
                        "renewal refused: its key is already certified for agent " + holder));
                return Outcome.refused(400, "this public key is already certified for another agent; generate a new "
                        + "key pair");
            }
            X509Certificate cert = issue.apply(id);
            String next = cert.getSerialNumber().toString(16);
            try (PreparedStatement ps = c.prepareStatement("UPDATE agents SET prev_serial = ?, serial = ?, not_after = ?, "
                    + "renewed_at = ?, prev_key_sha256 = ?, key_sha256 = ?, cert = ? WHERE id = ?")) {
                ps.setString(1, current ? l.serial() : l.prevSerial());
                ps.setString(2, next);
                ps.setLong(3, cert.getNotAfter().getTime());
                ps.setLong(4, now.toEpochMilli());
                ps.setString(5, current ? l.key() : l.prevKey());
                ps.setString(6, fingerprint);
                ps.setBytes(7, CertifiedKeys.encoded(cert));
                ps.setString(8, id.agentId());
                ps.executeUpdate();
            }
            audit.append(c, new AuditEvent(AuditEvent.AGENT_RENEW, l.org(), id.agentId(), null, source,
                    "serial " + presentedSerial + " -> " + next + ", valid until " + cert.getNotAfter().toInstant()
                            + (note.isEmpty() ? "" : "; " + note)));
            return new Outcome(new Issued(cert, false), null);
        });
        if (o.refusal() != null) {
            throw o.refusal();
        }
        return o.issued();
    }

    private static Lineage lineage(Connection c, String agentId) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement("SELECT org, status, serial, prev_serial, renewed_at, key_sha256, "
                + "prev_key_sha256, cert FROM agents WHERE id = ?")) {
            ps.setString(1, agentId);
            try (ResultSet rs = ps.executeQuery()) {
                return rs.next() ? new Lineage(rs.getString(1), rs.getString(2), rs.getString(3), rs.getString(4),
                        rs.getLong(5), rs.getString(6), rs.getString(7), rs.getBytes(8)) : null;
            }
        }
    }

    private void lock(Connection c, AgentIdentity id, Lineage l, String presentedSerial, String source)
            throws SQLException {
        try (PreparedStatement ps = c.prepareStatement("UPDATE agents SET status = ? WHERE id = ?")) {
            ps.setString(1, AgentRegistry.LOCKED);
            ps.setString(2, id.agentId());
            ps.executeUpdate();
        }
        audit.append(c, new AuditEvent(AuditEvent.AGENT_LOCK, l.org(), id.agentId(), null, source,
                "renewal from certificate serial " + presentedSerial + " while the current one is " + l.serial()
                        + ": its key was copied; agent locked"));
    }
}
