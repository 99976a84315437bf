package dev.outpost.gateway.store;

import dev.outpost.gateway.sink.MetricSink.Position;
import dev.outpost.gateway.store.Database.Durability;
import java.io.IOException;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.OptionalLong;

/**
 * The ingest side of the state database: per agent, the highest batch sequence stored (its watermark), and the
 * sink writes in progress (PENDING), so that a retried batch is stored once, also across gateway restarts.
 */
public final class Watermarks {
    private final Database db;
    private final Clock clock;

    public Watermarks(Database db, Clock clock) {
        this.db = Objects.requireNonNull(db, "db");
        this.clock = Objects.requireNonNull(clock, "clock");
    }

    /** A sink write in progress for {@code agentId}'s batch {@code seq}; {@code agentId} is null without a key. */
    public record Pending(long id, String agentId, long seq, Position start) {
    }

    /** The highest sequence stored for the agent, if any. */
    public OptionalLong of(String agentId) throws IOException {
        try {
            return db.read(c -> {
                try (PreparedStatement ps = c.prepareStatement(
                        "SELECT seq FROM ingest_watermarks WHERE agent_id = ?")) {
                    ps.setString(1, agentId);
                    try (ResultSet rs = ps.executeQuery()) {
                        return rs.next() ? OptionalLong.of(rs.getLong(1)) : OptionalLong.empty();
                    }
                }
            });
        } catch (SQLException e) {
            throw failure("read the watermark of " + agentId, e);
        }
    }

    /** Records a write about to start at {@code start}; durable against a crash of the gateway when this returns. */
    public Pending begin(String agentId, long seq, Position start) throws IOException {
        try {
            long id = db.inTransaction(Durability.PROCESS_CRASH, c -> {
                try (PreparedStatement ps = c.prepareStatement("INSERT INTO ingest_pending (agent_id, seq, "
                        + "sink_location, sink_offset, created_at) VALUES (?, ?, ?, ?, ?)",
                        Statement.RETURN_GENERATED_KEYS)) {
                    ps.setString(1, agentId);
                    ps.setLong(2, seq);
                    ps.setString(3, start.location());
                    ps.setLong(4, start.offset());
                    ps.setLong(5, clock.millis());
                    ps.executeUpdate();
                    try (ResultSet keys = ps.getGeneratedKeys()) {
                        keys.next();
                        return keys.getLong(1);
                    }
                }
            });
            return new Pending(id, agentId, seq, start);
        } catch (SQLException e) {
            throw failure("record a sink write in progress", e);
        }
    }

    /** The write is durable in the sink: raises the agent's watermark (if keyed) and clears PENDING, atomically. */
    public void commit(Pending p) throws IOException {
        try {
            db.inTransaction(Durability.PROCESS_CRASH, c -> {
                if (p.agentId() != null) {
                    try (PreparedStatement ps = c.prepareStatement("INSERT INTO ingest_watermarks (agent_id, seq, "
                            + "updated_at) VALUES (?, ?, ?) ON CONFLICT (agent_id) DO UPDATE SET "
                            + "seq = max(seq, excluded.seq), updated_at = excluded.updated_at")) {
                        ps.setString(1, p.agentId());
                        ps.setLong(2, p.seq());
                        ps.setLong(3, clock.millis());
                        ps.executeUpdate();
                    }
                }
                return delete(c, p.id());
            });
        } catch (SQLException e) {
            throw failure("commit the watermark of " + p.agentId() + " to " + p.seq(), e);
        }
    }

    /** The write was undone in the sink: clears PENDING without touching the watermark. */
    public void abandon(Pending p) throws IOException {
        try {
            db.inTransaction(Durability.PROCESS_CRASH, c -> delete(c, p.id()));
        } catch (SQLException e) {
            throw failure("clear a sink write in progress", e);
        }
    }

    /** Every write left in progress, oldest first. */
    public List<Pending> pending() throws IOException {
        try {
            return db.read(c -> {
                List<Pending> out = new ArrayList<>();
                try (Statement s = c.createStatement(); ResultSet rs = s.executeQuery("SELECT id, agent_id, seq, "
                        + "sink_location, sink_offset FROM ingest_pending ORDER BY id")) {
                    while (rs.next()) {
                        out.add(new Pending(rs.getLong(1), rs.getString(2), rs.getLong(3),
                                new Position(rs.getString(4), rs.getLong(5))));
                    }
                }
                return out;
            });
        } catch (SQLException e) {
            throw failure("read the sink writes in progress", e);
        }
    }

    private static int delete(java.sql.Connection c, long id) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement("DELETE FROM ingest_pending WHERE id = ?")) {
            ps.setLong(1, id);
            return ps.executeUpdate();
        }
    }

    private static IOException failure(String what, SQLException e) {
        return new IOException("state database: cannot " + what + ": " + e.getMessage(), e);
    }
}
