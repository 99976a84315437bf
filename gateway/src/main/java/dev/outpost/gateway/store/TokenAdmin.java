package dev.outpost.gateway.store;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * Listing and revoking enrollment tokens. A listing never carries the secret or its HMAC; each revocation is
 * audited in the transaction that makes it.
 */
public final class TokenAdmin implements Revocable {
    private final Database db;
    private final Clock clock;
    private final AuditLog audit;

    public TokenAdmin(Database db, Clock clock) {
        this.db = Objects.requireNonNull(db, "db");
        this.clock = Objects.requireNonNull(clock, "clock");
        this.audit = new AuditLog(clock);
    }

    /** What {@code token list} shows of a token. */
    public record Row(String id, String org, int uses, int maxUses, Instant expiresAt, Instant lastUsedAt,
            Instant revokedAt) {
        public int usesLeft() {
            return Math.max(0, maxUses - uses);
        }
    }

    /** Every token, oldest first. */
    public List<Row> list() throws SQLException {
        return db.read(c -> {
            List<Row> out = new ArrayList<>();
            try (PreparedStatement ps = c.prepareStatement("SELECT id, org, uses, max_uses, expires_at, last_used_at, "
                    + "revoked_at FROM tokens ORDER BY created_at, rowid");
                    ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    out.add(new Row(rs.getString(1), rs.getString(2), rs.getInt(3), rs.getInt(4),
                            Instant.ofEpochMilli(rs.getLong(5)), instant(rs, 6), instant(rs, 7)));
                }
            }
            return out;
        });
    }

    /** Revokes one token; false if there is no token {@code id} or it was already revoked. */
    @Override
    public boolean revoke(String id) throws SQLException {
        return db.inTransaction(c -> revokeWhere(c, "id = ?", id) == 1);
    }

    /** Revokes every unrevoked token of {@code org}; returns how many. */
    @Override
    public int revokeOrg(String org) throws SQLException {
        return db.inTransaction(c -> revokeWhere(c, "org = ?", org));
    }

    private int revokeWhere(Connection c, String where, String value) throws SQLException {
        List<String[]> targets = new ArrayList<>();
        try (PreparedStatement ps = c.prepareStatement(
                "SELECT id, org FROM tokens WHERE revoked_at IS NULL AND " + where + " ORDER BY id")) {
            ps.setString(1, value);
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    targets.add(new String[] {rs.getString(1), rs.getString(2)});
                }
            }
        }
        long now = clock.millis();
        for (String[] t : targets) {
            try (PreparedStatement ps = c.prepareStatement("UPDATE tokens SET revoked_at = ? WHERE id = ?")) {
                ps.setLong(1, now);
                ps.setString(2, t[0]);
                ps.executeUpdate();
            }
            audit.append(c, new AuditEvent(AuditEvent.TOKEN_REVOKE, t[1], null, t[0], AuditEvent.CLI,
                    "token revoked"));
        }
        return targets.size();
    }

    private static Instant instant(ResultSet rs, int column) throws SQLException {
        long v = rs.getLong(column);
        return rs.wasNull() ? null : Instant.ofEpochMilli(v);
    }
}
