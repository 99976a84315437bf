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
 * The audit log in {@code state.db}: entries are appended inside the transaction of the event they record and
 * chained by hash (each holds the hash of the one before), and the store's triggers refuse UPDATE and DELETE.
 * {@link AuditVerifier} finds the first entry that was tampered with by someone with access to the file.
 */
public final class AuditLog {
    private final Clock clock;

    public AuditLog(Clock clock) {
        this.clock = Objects.requireNonNull(clock, "clock");
    }

    /** Appends {@code event} in the caller's transaction on {@code c}; it commits or rolls back with it. */
    public AuditEntry append(Connection c, AuditEvent event) throws SQLException {
        long seq = 1;
        byte[] prev = AuditHash.GENESIS;
        try (PreparedStatement ps = c.prepareStatement("SELECT seq, hash FROM audit ORDER BY seq DESC LIMIT 1");
                ResultSet rs = ps.executeQuery()) {
            if (rs.next()) {
                seq = rs.getLong(1) + 1;
                prev = rs.getBytes(2);
            }
        }
        Instant time = Instant.ofEpochMilli(clock.millis());
        byte[] hash = AuditHash.of(seq, time, event, prev);
        try (PreparedStatement ps = c.prepareStatement("INSERT INTO audit(seq, time, kind, org, agent, token, source, "
                + "detail, prev_hash, hash) VALUES (?,?,?,?,?,?,?,?,?,?)")) {
            ps.setLong(1, seq);
            ps.setLong(2, time.toEpochMilli());
            ps.setString(3, event.kind());
            ps.setString(4, event.org());
            ps.setString(5, event.agent());
            ps.setString(6, event.token());
            ps.setString(7, event.source());
            ps.setString(8, event.detail());
            ps.setBytes(9, prev);
            ps.setBytes(10, hash);
            ps.executeUpdate();
        }
        return new AuditEntry(seq, time, event, prev, hash);
    }

    /** Appends {@code event} in a transaction of its own (for events that change nothing else). */
    public AuditEntry append(Database db, AuditEvent event) throws SQLException {
        return db.inTransaction(c -> append(c, event));
    }

    /** Receives entries one at a time; returns false to stop early. */
    public interface Visitor<E extends Exception> {
        boolean visit(AuditEntry entry) throws E;
    }

    /**
     * Reads the entries in chain order, one at a time, so that a log of millions of entries needs no more memory
     * than one: {@code audit verify} and {@code audit list} go through it this way.
     */
    public static <E extends Exception> void scan(Database db, Visitor<E> visitor) throws SQLException, E {
        db.read(c -> {
            try (PreparedStatement ps = c.prepareStatement("SELECT " + COLUMNS + " FROM audit ORDER BY seq")) {
                ps.setFetchSize(256);
                try (ResultSet rs = ps.executeQuery()) {
                    while (rs.next() && visitor.visit(entry(rs))) {
                        // the visitor decides whether to go on
                    }
                }
            }
            return null;
        });
    }

    /** The sequence number of an entry after {@code seq} whose hash is {@code hash}, or -1 (finding a reordering). */
    public static long seqOfLaterHash(Database db, long seq, byte[] hash) throws SQLException {
        return db.read(c -> {
            try (PreparedStatement ps = c.prepareStatement("SELECT seq FROM audit WHERE hash = ? AND seq > ? "
                    + "ORDER BY seq LIMIT 1")) {
                ps.setBytes(1, hash);
                ps.setLong(2, seq);
                try (ResultSet rs = ps.executeQuery()) {
                    return rs.next() ? rs.getLong(1) : -1L;
                }
            }
        });
    }

    /** Every entry in chain order, in memory (tests and small logs; the CLI uses {@link #scan}). */
    public static List<AuditEntry> all(Database db) throws SQLException {
        List<AuditEntry> out = new ArrayList<>();
        scan(db, out::add);
        return out;
    }

    private static final String COLUMNS = "seq, time, kind, org, agent, token, source, detail, prev_hash, hash";

    private static AuditEntry entry(ResultSet rs) throws SQLException {
        AuditEvent e = new AuditEvent(rs.getString(3), rs.getString(4), rs.getString(5), rs.getString(6),
                rs.getString(7), rs.getString(8));
        return new AuditEntry(rs.getLong(1), Instant.ofEpochMilli(rs.getLong(2)), e, rs.getBytes(9), rs.getBytes(10));
    }
}
