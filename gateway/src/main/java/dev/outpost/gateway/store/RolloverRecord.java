package dev.outpost.gateway.store;

import dev.outpost.gateway.ca.CaStore;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Objects;
import java.util.Optional;

/**
 * The CA rollover in {@code state.db}: the operator's intents ({@code ca rollover}, {@code ca switch}, {@code ca
 * retire}, {@code ca abort}) and the steps the gateway carries out. Every step is a conditional change of the one
 * row, made in the same transaction as its audit entry, so two actors can never both take it and none goes
 * unaudited.
 */
public final class RolloverRecord {
    private final Database db;
    private final Clock clock;
    private final AuditLog audit;

    public RolloverRecord(Database db, Clock clock) {
        this.db = Objects.requireNonNull(db, "db");
        this.clock = Objects.requireNonNull(clock, "clock");
        this.audit = new AuditLog(clock);
    }

    /** The rollover in progress, if any. */
    public Optional<Rollover> read() throws SQLException {
        return db.read(RolloverRecord::read);
    }

    /** Asks for a rollover, staged by the gateway then switched {@code switchAfter} later; false if one is under way. */
    public boolean request(Duration switchAfter) throws SQLException {
        return db.inTransaction(c -> read(c).isEmpty() && update(c, "INSERT INTO ca_rollover(id, phase, requested_at, "
                + "switch_after) VALUES (1, 'requested', ?, ?)", clock.millis(), switchAfter.toMillis()) == 1);
    }

    /** The operator's {@code ca switch}: switch as soon as staged. False if there is nothing to switch. */
    public boolean switchNow() throws SQLException {
        return db.inTransaction(c -> update(c, "UPDATE ca_rollover SET switch_after = 0, switch_at = CASE WHEN phase = "
                + "'staged' THEN ? END, switch_by = 'cli' WHERE phase IN ('requested', 'staged')", clock.millis()) == 1);
    }

    /** The operator's {@code ca retire}: retire the previous CA now. False unless switched. */
    public boolean retireNow() throws SQLException {
        return db.inTransaction(c -> update(c, "UPDATE ca_rollover SET retire_at = ?, retire_by = 'cli' "
                + "WHERE phase = 'switched'", clock.millis()) == 1);
    }

    /**
     * The operator's {@code ca abort}: discards a requested or staged rollover, audited, with {@code alongside} (the
     * staged CA's removal) in the same transaction. Empty if there was none.
     */
    public Optional<Rollover> abort(CaStore.Alongside alongside) throws SQLException {
        return db.inTransaction(c -> {
            Optional<Rollover> r = read(c).filter(x -> x.phase() != Rollover.Phase.SWITCHED);
            if (r.isPresent()) {
                update(c, "DELETE FROM ca_rollover");
                alongside.apply(c);
                audit.append(c, new AuditEvent(AuditEvent.CA_ABORT, null, null, null, AuditEvent.CLI,
                        "CA rollover aborted in phase " + r.get().phase().text()
                                + (r.get().nextPin() == null ? "" : "; next CA " + r.get().nextPin() + " discarded")));
            }
            return r;
        });
    }

    /**
     * The gateway staged the next CA ({@code nextPin}) at {@code stagedAt} (kept to the millisecond): requested becomes
     * staged, its switch planned {@code switch_after} later, audited with {@code detail}. Each step makes
     * {@code alongside} (the CA material's change) in its transaction, only if it is taken.
     */
    public boolean staged(String nextPin, Instant stagedAt, String detail, CaStore.Alongside alongside)
            throws SQLException {
        return db.inTransaction(c -> {
            long now = stagedAt.toEpochMilli();
            boolean done = update(c, "UPDATE ca_rollover SET phase = 'staged', staged_at = ?, switch_at = ? + "
                    + "switch_after, next_pin = ? WHERE phase = 'requested'", now, now, nextPin) == 1;
            if (done) {
                alongside.apply(c);
                audit.append(c, new AuditEvent(AuditEvent.CA_STAGE, null, null, null, AuditEvent.CLI, detail));
            }
            return done;
        });
    }

    /** The gateway switched to the next CA: staged becomes switched, retirement planned at {@code retireAt}. */
    public boolean switched(Instant retireAt, String previousPin, String source, String detail,
            CaStore.Alongside alongside) throws SQLException {
        return db.inTransaction(c -> {
            boolean done = update(c, "UPDATE ca_rollover SET phase = 'switched', switched_at = ?, retire_at = ?, "
                    + "previous_pin = ? WHERE phase = 'staged'", clock.millis(), retireAt.toEpochMilli(),
                    previousPin) == 1;
            if (done) {
                alongside.apply(c);
                audit.append(c, new AuditEvent(AuditEvent.CA_SWITCH, null, null, null, source, detail));
            }
            return done;
        });
    }

    /** The gateway retired the previous CA: the rollover is over and its row deleted. */
    public boolean retired(String source, String detail, CaStore.Alongside alongside) throws SQLException {
        return db.inTransaction(c -> {
            boolean done = update(c, "DELETE FROM ca_rollover WHERE phase = 'switched'") == 1;
            if (done) {
                alongside.apply(c);
                audit.append(c, new AuditEvent(AuditEvent.CA_RETIRE, null, null, null, source, detail));
            }
            return done;
        });
    }

    /** The latest expiry of any certificate an agent that is not revoked holds, or null if there is none. */
    public Instant latestAgentExpiry() throws SQLException {
        return db.read(c -> {
            try (PreparedStatement ps = c.prepareStatement(
                    "SELECT MAX(not_after) FROM agents WHERE status <> 'revoked'"); ResultSet rs = ps.executeQuery()) {
                long t = rs.next() ? rs.getLong(1) : 0;
                return rs.wasNull() ? null : Instant.ofEpochMilli(t);
            }
        });
    }

    /** Active agents whose certificate was issued before {@code time} and has not expired by {@code since}. */
    public int agentsIssuedBefore(Instant time, Instant since) throws SQLException {
        return db.read(c -> {
            try (PreparedStatement ps = c.prepareStatement("SELECT COUNT(*) FROM agents WHERE status = 'active' "
                    + "AND COALESCE(renewed_at, enrolled_at) < ? AND not_after > ?")) {
                ps.setLong(1, time.toEpochMilli());
                ps.setLong(2, since.toEpochMilli());
                try (ResultSet rs = ps.executeQuery()) {
                    return rs.next() ? rs.getInt(1) : 0;
                }
            }
        });
    }

    private static Optional<Rollover> read(Connection c) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement("SELECT phase, requested_at, switch_after, staged_at, switch_at, "
                + "switch_by, switched_at, retire_at, retire_by, next_pin, previous_pin FROM ca_rollover WHERE id = 1");
                ResultSet rs = ps.executeQuery()) {
            if (!rs.next()) {
                return Optional.empty();
            }
            return Optional.of(new Rollover(Rollover.Phase.of(rs.getString(1)), Instant.ofEpochMilli(rs.getLong(2)),
                    Duration.ofMillis(rs.getLong(3)), time(rs, 4), time(rs, 5), rs.getString(6), time(rs, 7),
                    time(rs, 8), rs.getString(9), rs.getString(10), rs.getString(11)));
        }
    }

    private static Instant time(ResultSet rs, int column) throws SQLException {
        long t = rs.getLong(column);
        return rs.wasNull() ? null : Instant.ofEpochMilli(t);
    }

    private static int update(Connection c, String sql, Object... args) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement(sql)) {
            for (int i = 0; i < args.length; i++) {
                ps.setObject(i + 1, args[i]);
            }
            return ps.executeUpdate();
        }
    }
}
