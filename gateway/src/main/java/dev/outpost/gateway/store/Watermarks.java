package dev.outpost.gateway.store;

import dev.outpost.gateway.sink.MetricSink.Position;
import dev.outpost.gateway.store.Database.Durability;
import java.io.IOException;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * The ingest side of the state database: per agent, the highest batch sequence stored and the newest data point
 * time stored (its mark), and the sink writes in progress (PENDING), so that a retried batch is stored once, also
 * across gateway restarts. Every operation takes a whole group of batches: one read and two short transactions
 * per group, whatever its size.
 */
public final class Watermarks {
    /** Rows for at most this many agents are read in one statement. */
    private static final int IN_CHUNK = 500;
    private final Database db;
    private final Clock clock;

    public Watermarks(Database db, Clock clock) {
        this.db = Objects.requireNonNull(db, "db");
        this.clock = Objects.requireNonNull(clock, "clock");
    }

    /**
     * What is stored of one agent: sequences up to {@code seq}, data up to {@code newestNanos}. A row written
     * before data times were kept has {@link #UNKNOWN_NEWEST}, so it dedupes by sequence alone until the agent's
     * next stored batch.
     */
    public record Mark(long seq, long newestNanos) {
        public static final long UNKNOWN_NEWEST = Long.MAX_VALUE;

        /**
         * Whether a batch {@code seq} whose newest data point is at {@code newest} was stored already: its sequence
         * is at or below the mark and it holds nothing newer than what was stored. A batch below the mark with newer
         * data reuses sequences (a state directory restored from a snapshot) and is new.
         */
        public boolean covers(long batchSeq, long newest) {
            return batchSeq <= seq && newest <= newestNanos;
        }

        /** The mark once a batch {@code seq} with data up to {@code newest} is stored too. */
        public Mark advance(long batchSeq, long newest) {
            return new Mark(Math.max(seq, batchSeq),
                    newestNanos == UNKNOWN_NEWEST ? newest : Math.max(newestNanos, newest));
        }
    }

    /** A sink write in progress, recorded before its first byte. */
    public record Pending(long id, Position start) {
    }

    /** The marks of those of {@code agentIds} that have one. */
    public Map<String, Mark> of(Collection<String> agentIds) throws IOException {
        Map<String, Mark> out = new HashMap<>();
        if (agentIds.isEmpty()) {
            return out;
        }
        List<String> ids = List.copyOf(agentIds);
        try {
            db.read(c -> {
                for (int from = 0; from < ids.size(); from += IN_CHUNK) {
                    List<String> chunk = ids.subList(from, Math.min(ids.size(), from + IN_CHUNK));
                    String sql = "SELECT agent_id, seq, newest_nanos FROM ingest_watermarks WHERE agent_id IN ("
                            + "?,".repeat(chunk.size() - 1) + "?)";
                    try (PreparedStatement ps = c.prepareStatement(sql)) {
                        for (int i = 0; i < chunk.size(); i++) {
                            ps.setString(i + 1, chunk.get(i));
                        }
                        try (ResultSet rs = ps.executeQuery()) {
                            while (rs.next()) {
                                long newest = rs.getLong(3);
                                out.put(rs.getString(1), new Mark(rs.getLong(2),
                                        rs.wasNull() ? Mark.UNKNOWN_NEWEST : newest));
                            }
                        }
                    }
                }
                return null;
            });
        } catch (SQLException e) {
            throw failure("read the watermarks of " + ids.size() + " agents", e);
        }
        return out;
    }

    /** Records writes about to start at {@code starts}; durable against a crash of the gateway when this returns. */
    public List<Pending> begin(List<Position> starts) throws IOException {
        if (starts.isEmpty()) {
            return List.of();
        }
        try {
            return db.inTransaction(Durability.PROCESS_CRASH, c -> {
                List<Pending> out = new ArrayList<>(starts.size());
                try (PreparedStatement ps = c.prepareStatement("INSERT INTO ingest_pending (sink_location, "
                        + "sink_offset, created_at) VALUES (?, ?, ?)", Statement.RETURN_GENERATED_KEYS)) {
                    for (Position start : starts) {
                        ps.setString(1, start.location());
                        ps.setLong(2, start.offset());
                        ps.setLong(3, clock.millis());
                        ps.executeUpdate();
                        try (ResultSet keys = ps.getGeneratedKeys()) {
                            keys.next();
                            out.add(new Pending(keys.getLong(1), start));
                        }
                    }
                }
                return out;
            });
        } catch (SQLException e) {
            throw failure("record sink writes in progress", e);
        }
    }

    /** The writes are durable in the sink: raises the agents' marks and clears PENDING, atomically. */
    public void commit(List<Pending> pending, Map<String, Mark> marks) throws IOException {
        if (pending.isEmpty() && marks.isEmpty()) {
            return;
        }
        try {
            db.inTransaction(Durability.PROCESS_CRASH, c -> {
                try (PreparedStatement ps = c.prepareStatement("INSERT INTO ingest_watermarks (agent_id, seq, "
                        + "newest_nanos, updated_at) VALUES (?, ?, ?, ?) ON CONFLICT (agent_id) DO UPDATE SET "
                        + "seq = max(seq, excluded.seq), newest_nanos = CASE WHEN newest_nanos IS NULL THEN "
                        + "excluded.newest_nanos ELSE max(newest_nanos, excluded.newest_nanos) END, "
                        + "updated_at = excluded.updated_at")) {
                    for (Map.Entry<String, Mark> e : marks.entrySet()) {
                        ps.setString(1, e.getKey());
                        ps.setLong(2, e.getValue().seq());
                        ps.setLong(3, e.getValue().newestNanos());
                        ps.setLong(4, clock.millis());
                        ps.addBatch();
                    }
                    ps.executeBatch();
                }
                delete(c, pending);
                return null;
            });
        } catch (SQLException e) {
            throw failure("commit the watermarks of " + marks.size() + " agents", e);
        }
    }

    /** The writes were undone in the sink: clears PENDING without touching any mark. */
    public void abandon(List<Pending> pending) throws IOException {
        try {
            db.inTransaction(Durability.PROCESS_CRASH, c -> {
                delete(c, pending);
                return null;
            });
        } catch (SQLException e) {
            throw failure("clear sink writes in progress", e);
        }
    }

    /** Every write left in progress, oldest first. */
    public List<Pending> pending() throws IOException {
        try {
            return db.read(c -> {
                List<Pending> out = new ArrayList<>();
                try (Statement s = c.createStatement(); ResultSet rs = s.executeQuery("SELECT id, sink_location, "
                        + "sink_offset FROM ingest_pending ORDER BY id")) {
                    while (rs.next()) {
                        out.add(new Pending(rs.getLong(1), new Position(rs.getString(2), rs.getLong(3))));
                    }
                }
                return out;
            });
        } catch (SQLException e) {
            throw failure("read the sink writes in progress", e);
        }
    }

    /** Forgets the marks of agents that stored nothing since {@code before}; returns how many. */
    public int prune(Instant before) throws IOException {
        try {
            return db.inTransaction(Durability.PROCESS_CRASH, c -> {
                try (PreparedStatement ps = c.prepareStatement(
                        "DELETE FROM ingest_watermarks WHERE updated_at < ?")) {
                    ps.setLong(1, before.toEpochMilli());
                    return ps.executeUpdate();
                }
            });
        } catch (SQLException e) {
            throw failure("prune watermarks", e);
        }
    }

    private static void delete(Connection c, List<Pending> pending) throws SQLException {
        if (pending.isEmpty()) {
            return;
        }
        try (PreparedStatement ps = c.prepareStatement("DELETE FROM ingest_pending WHERE id = ?")) {
            for (Pending p : pending) {
                ps.setLong(1, p.id());
                ps.addBatch();
            }
            ps.executeBatch();
        }
    }

    private static IOException failure(String what, SQLException e) {
        return new IOException("state database: cannot " + what + ": " + e.getMessage(), e);
    }
}
