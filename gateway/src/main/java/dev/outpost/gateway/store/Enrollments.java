package dev.outpost.gateway.store;

import dev.outpost.gateway.ca.AgentIdentity;
import dev.outpost.wire.EnrollmentToken;
import java.security.PublicKey;
import java.security.SecureRandom;
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
 * Enrollment tokens and the enrollment transaction: a token use is consumed in the same transaction that
 * records the agent and its certificate, so a crash can neither lose a use nor issue for free.
 */
public final class Enrollments {
    /** Upper bound on uses of one token, so a fleet token still has a limit. */
    public static final int MAX_USES = 1_000_000;
    private final Database db;
    private final TokenHasher hasher;
    private final Clock clock;
    private final SecureRandom random;
    /** Compared against when the token id is unknown, so that both paths take the same time. */
    private final byte[] decoy;
    private final AuditLog audit;

    public Enrollments(Database db, TokenHasher hasher, Clock clock, SecureRandom random) {
        this.db = Objects.requireNonNull(db, "db");
        this.hasher = Objects.requireNonNull(hasher, "hasher");
        this.clock = Objects.requireNonNull(clock, "clock");
        this.random = Objects.requireNonNull(random, "random");
        this.decoy = hasher.hash("decoy");
        this.audit = new AuditLog(clock);
    }

    /**
     * Why an enrollment was refused; the message is safe to send to the client and to log. Status 401 for the token
     * (counted as a failed authentication), 400 for the request's key.
     */
    public static final class RefusedException extends Exception {
        private static final long serialVersionUID = 1L;
        private final int status;

        public RefusedException(String message) {
            this(401, message);
        }

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
    }

    /**
     * Audits a burst of failed authentication: the bucket of {@code tokenId} (org looked up) or of {@code source}
     * just emptied. In a transaction of its own, as the failures it records changed nothing else.
     */
    public void recordBurst(String tokenId, String source, String detail) throws SQLException {
        db.inTransaction(c -> {
            String org = null;
            if (tokenId != null) {
                try (PreparedStatement ps = c.prepareStatement("SELECT org FROM tokens WHERE id = ?")) {
                    ps.setString(1, tokenId);
                    try (ResultSet rs = ps.executeQuery()) {
                        org = rs.next() ? rs.getString(1) : null;
                    }
                }
            }
            return audit.append(c, new AuditEvent(AuditEvent.AUTH_BURST, org, null, tokenId, source, detail));
        });
    }

    /** Creates a token; the returned object is the only place its secret ever exists in clear. */
    public EnrollmentToken createToken(String org, int uses, Duration expiresIn) throws SQLException {
        new AgentIdentity(org, "a-0000000000000000"); // validates the org name
        if (uses < 1 || uses > MAX_USES) {
            throw new IllegalArgumentException("--uses " + uses + " is out of range; use 1 to " + MAX_USES);
        }
        if (expiresIn.isNegative() || expiresIn.isZero()) {
            throw new IllegalArgumentException("--expires " + expiresIn + " must be positive, e.g. 24h");
        }
        EnrollmentToken token = EnrollmentToken.generate(random);
        Instant now = clock.instant();
        db.inTransaction(c -> {
            try (PreparedStatement ps = c.prepareStatement("INSERT INTO tokens(id, org, secret_hmac, max_uses, "
                    + "created_at, expires_at) VALUES (?,?,?,?,?,?)")) {
                ps.setString(1, token.id());
                ps.setString(2, org);
                ps.setBytes(3, hasher.hash(token.secret()));
                ps.setInt(4, uses);
                ps.setLong(5, now.toEpochMilli());
                ps.setLong(6, now.plus(expiresIn).toEpochMilli());
                ps.executeUpdate();
            }
            audit.append(c, new AuditEvent(AuditEvent.TOKEN_CREATE, org, null, token.id(), AuditEvent.CLI,
                    "token created: " + uses + (uses == 1 ? " use" : " uses") + ", expires "
                            + now.plus(expiresIn)));
            return null;
        });
        return token;
    }

    /**
     * Verifies the token, assigns an agent identity, asks {@code issue} for its certificate for {@code key}, records
     * the agent and consumes one use. Unknown id and wrong secret are refused alike. The same token and key again,
     * while that agent has not renewed, is a retry: answered with the certificate already issued, no use consumed. A
     * key already certified for another agent is refused, audited, no use consumed.
     *
     * <p>The token is checked and the certificate signed first, outside the state transaction, so that signing (the
     * CPU of an enrollment) runs in parallel on the caller's thread; the transaction then checks everything again
     * under the fleet-wide state lock and records the agent and the use. A certificate whose enrollment is refused
     * there (the last use taken meanwhile by another gateway) is discarded, never sent.
     *
     * @param source the peer address, recorded in the audit entry
     */
    public Issued enroll(String tokenId, String secret, String hostname, String source, PublicKey key,
            Function<AgentIdentity, X509Certificate> issue) throws SQLException, RefusedException {
        String fingerprint = CertifiedKeys.fingerprint(key);
        Token first = db.read(c -> check(c, tokenId, secret));
        Issued earlier = db.read(c -> retried(c, tokenId, fingerprint));
        if (earlier != null) {
            return earlier;
        }
        usable(first, tokenId);
        AgentIdentity id = AgentIdentity.generate(first.org(), random);
        X509Certificate cert = issue.apply(id);
        Outcome o = db.inTransaction(c -> {
            Token t = check(c, tokenId, secret);
            Issued again = retried(c, tokenId, fingerprint);
            if (again != null) {
                return new Outcome(again, null);
            }
            Instant now = usable(t, tokenId);
            String holder = CertifiedKeys.holder(c, fingerprint, null);
            if (holder != null) {
                audit.append(c, new AuditEvent(AuditEvent.KEY_REUSE, t.org(), holder, tokenId, source, "enrollment "
                        + "of host " + hostname + " refused: its key is already certified for agent " + holder));
                return new Outcome(null, new RefusedException(400, "this public key is already certified for agent "
                        + holder + "; generate a new key pair for this host (or revoke " + holder + " first)"));
            }
            try (PreparedStatement ps = c.prepareStatement(
                    "UPDATE tokens SET uses = uses + 1, last_used_at = ? WHERE id = ?")) {
                ps.setLong(1, now.toEpochMilli());
                ps.setString(2, tokenId);
                ps.executeUpdate();
            }
            try (PreparedStatement ps = c.prepareStatement("INSERT INTO agents(id, org, hostname, token_id, serial, "
                    + "not_after, enrolled_at, key_sha256, cert) VALUES (?,?,?,?,?,?,?,?,?)")) {
                ps.setString(1, id.agentId());
                ps.setString(2, t.org());
                ps.setString(3, hostname);
                ps.setString(4, tokenId);
                ps.setString(5, cert.getSerialNumber().toString(16));
                ps.setLong(6, cert.getNotAfter().getTime());
                ps.setLong(7, now.toEpochMilli());
                ps.setString(8, fingerprint);
                ps.setBytes(9, CertifiedKeys.encoded(cert));
                ps.executeUpdate();
            }
            audit.append(c, new AuditEvent(AuditEvent.AGENT_ENROLL, t.org(), id.agentId(), tokenId, source,
                    "agent enrolled: host " + hostname + ", certificate serial " + cert.getSerialNumber().toString(16)
                            + " valid until " + cert.getNotAfter().toInstant()));
            return new Outcome(new Issued(cert, false), null);
        });
        if (o.refusal() != null) {
            throw o.refusal();
        }
        return o.issued();
    }

    /** A token's row, its secret verified. */
    private record Token(String org, int uses, int maxUses, long expiresAt, Long revokedAt) {
    }

    /** Reads token {@code tokenId} and verifies {@code secret}; unknown id and wrong secret are refused alike. */
    private Token check(java.sql.Connection c, String tokenId, String secret) throws SQLException, RefusedException {
        try (PreparedStatement ps = c.prepareStatement(
                "SELECT org, secret_hmac, max_uses, uses, expires_at, revoked_at FROM tokens WHERE id = ?")) {
            ps.setString(1, tokenId);
            try (ResultSet rs = ps.executeQuery()) {
                if (!rs.next()) {
                    hasher.verify(secret, decoy);
                    throw new RefusedException("unknown enrollment token or wrong secret");
                }
                String org = rs.getString(1);
                byte[] stored = rs.getBytes(2);
                int maxUses = rs.getInt(3);
                int uses = rs.getInt(4);
                long expiresAt = rs.getLong(5);
                long revoked = rs.getLong(6);
                Long revokedAt = rs.wasNull() ? null : revoked;
                if (!hasher.verify(secret, stored)) {
                    throw new RefusedException("unknown enrollment token or wrong secret");
                }
                if (revokedAt != null) {
                    throw new RefusedException("token opt_" + tokenId + "_… was revoked; create a new one with "
                            + "`outpost-gateway token create`");
                }
                return new Token(org, uses, maxUses, expiresAt, revokedAt);
            }
        }
    }

    /** The answer to an earlier try of the same enrollment (same token, same key), or null. */
    private static Issued retried(java.sql.Connection c, String tokenId, String fingerprint) throws SQLException {
        X509Certificate earlier = CertifiedKeys.enrolledWith(c, tokenId, fingerprint);
        return earlier == null ? null : new Issued(earlier, true);
    }

    /** Refuses a token that expired or is used up; returns now. */
    private Instant usable(Token t, String tokenId) throws RefusedException {
        String name = "token opt_" + tokenId + "_…";
        Instant now = clock.instant();
        if (!now.isBefore(Instant.ofEpochMilli(t.expiresAt()))) {
            throw new RefusedException(name + " expired at " + Instant.ofEpochMilli(t.expiresAt())
                    + "; create a new one with `outpost-gateway token create`");
        }
        if (t.uses() >= t.maxUses()) {
            throw new RefusedException(name + " is used up (" + t.maxUses() + " of " + t.maxUses()
                    + " uses); create a new one with `outpost-gateway token create --uses N`");
        }
        return now;
    }
}
