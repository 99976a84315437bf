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
 * time stored (its mark), and the sink writes in progress (PENDING, each owned by the gateway writing it), so that
 * a retried batch is stored once, also across gateway restarts. Every operation takes a whole group of batches: one
 * read and two short transactions per group, whatever its size. On SQLite the marks committed are also kept in memory
 * (bounded), so that the read is only of agents not seen since the start.
 *
 * <p>With several gateways on PostgreSQL, {@link #of} also takes a session-level advisory lock per agent of the
 * group (in a fixed order, so two gateways cannot deadlock) and holds it until the group's {@link #commit},
 * {@link #abandon} or {@link #release}: a retried batch that reaches two gateways at once is stored by the first,
 * and recognised as stored by the second, which waits at most {@link #LOCK_WAIT} (else it fails the group: 503,
 * the agent retries). A gateway that dies loses its session, and with it its locks, at once.
 */
public final class Watermarks {
    /** Rows for at most this many agents are read in one statement. */
    private static final int IN_CHUNK = 500;
    /** How long a group waits for agents another gateway is storing batches of. */
    public static final java.time.Duration LOCK_WAIT = java.time.Duration.ofSeconds(5);
    private final Database db;
    private final Clock clock;
    private final String owner;
    /** PostgreSQL: the session holding this gateway's agent locks, or null (SQLite, or none opened yet). */
    private Connection session;
    /** Marks kept in memory at most for this many agents (about 100 bytes each); past it the memory starts over. */
    static final int MAX_KNOWN = 100_000;
    /**
     * SQLite: the marks as committed, for the agents read or written since the gateway started, so that a group reads
     * only the agents it has not seen. Emptied when another connection wrote the file, on any failure to read or
     * commit, and by {@link #prune}. Null on PostgreSQL, where other gateways raise the marks.
     */
    private final Map<String, Mark> known;
    private final int maxKnown;
    /** The file's {@code data_version} when {@link #known} was last checked (under its monitor). */
    private long knownVersion = Long.MIN_VALUE;

    /** The watermarks of a gateway that shares its database with no other (its writes are owned by "local"). */
    public Watermarks(Database db, Clock clock) {
        this(db, clock, "local");
    }

    /** @param owner names this gateway's sink writes in progress: the ones it undoes at start */
    public Watermarks(Database db, Clock clock, String owner) {
        this(db, clock, owner, MAX_KNOWN);
    }

    Watermarks(Database db, Clock clock, String owner, int maxKnown) {
        this.maxKnown = maxKnown;
        this.db = Objects.requireNonNull(db, "db");
        this.clock = Objects.requireNonNull(clock, "clock");
        this.owner = Objects.requireNonNull(owner, "owner");
        this.known = db.dialect() == Database.Dialect.SQLITE ? new HashMap<>() : null;
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
        List<String> ids = new ArrayList<>(agentIds);
        java.util.Collections.sort(ids);
        try {
            lock(ids);
            db.read(c -> {
                if (known == null) {
                    select(c, ids, out);
                } else {
                    cached(c, ids, out);
                }
                return null;
            });
        } catch (SQLException e) {
            release();
            forget();
            throw failure("read the watermarks of " + ids.size() + " agents", e);
        }
        return out;
    }

    /**
     * SQLite: the marks of {@code ids} from {@link #known}, reading only those it lacks; all of them again if another
     * connection changed the file since (its {@code data_version}: another process writing the same state.db).
     */
    private void cached(Connection c, List<String> ids, Map<String, Mark> out) throws SQLException {
        long version;
        try (Statement s = c.createStatement(); ResultSet rs = s.executeQuery("PRAGMA data_version")) {
            rs.next();
            version = rs.getLong(1);
        }
        List<String> missing = new ArrayList<>();
        synchronized (known) {
            if (version != knownVersion) {
                known.clear();
                knownVersion = version;
            }
            for (String id : ids) {
                Mark m = known.get(id);
                if (m != null) {
                    out.put(id, m);
                } else {
                    missing.add(id);
                }
            }
        }
        if (missing.isEmpty()) {
            return;
        }
        Map<String, Mark> read = new HashMap<>();
        select(c, missing, read);
        out.putAll(read);
        synchronized (known) {
            read.forEach(this::remember);
        }
    }

    /** Reads the marks of those of {@code ids} that have one into {@code out}. */
    private static void select(Connection c, List<String> ids, Map<String, Mark> out) throws SQLException {
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
                        out.put(rs.getString(1), new Mark(rs.getLong(2), rs.wasNull() ? Mark.UNKNOWN_NEWEST : newest));
                    }
                }
            }
        }
    }

    /** Takes the agent locks of a group (PostgreSQL), releasing those of the group before. */
    private synchronized void lock(List<String> sortedIds) throws SQLException {
        if (db.dialect() != Database.Dialect.POSTGRESQL) {
            return;
        }
        if (session == null) {
            session = db.session();
            try (Statement s = session.createStatement()) {
                s.execute("SET lock_timeout = '" + LOCK_WAIT.toMillis() + "ms'");
            }
        }
        unlockAll();
        long[] keys = new long[sortedIds.size()];
        for (int i = 0; i < keys.length; i++) {
            keys[i] = lockKey(sortedIds.get(i));
        }
        java.util.Arrays.sort(keys);
        try (PreparedStatement ps = session.prepareStatement(
                "SELECT count(pg_advisory_lock(k)) FROM (SELECT DISTINCT k FROM unnest(?) AS t(k) ORDER BY k) s")) {
            ps.setArray(1, session.createArrayOf("bigint", java.util.Arrays.stream(keys).boxed().toArray()));
            ps.executeQuery().close();
        } catch (SQLException e) {
            unlockAll();
            throw new SQLException("another gateway is storing batches of these agents and did not finish within "
                    + LOCK_WAIT.toSeconds() + " s (" + e.getMessage() + ")", e);
        }
    }

    /** Releases the agent locks the last group took (PostgreSQL); nothing to do for SQLite. */
    public synchronized void release() {
        if (session != null) {
            unlockAll();
        }
    }

    private void unlockAll() {
        try (Statement s = session.createStatement()) {
            s.execute("SELECT pg_advisory_unlock_all()");
        } catch (SQLException e) {
            // The session is broken: its locks went with it. Open a new one for the next group.
            try {
                session.close();
            } catch (SQLException ignored) {
                // already broken
            }
            session = null;
        }
    }

    /** A 64-bit key per agent, in a range of its own (the state lock's key is another). */
    static long lockKey(String agentId) {
        long h = 0xcbf29ce484222325L;
        for (byte b : ("outpost.ingest." + agentId).getBytes(java.nio.charset.StandardCharsets.UTF_8)) {
            h = (h ^ (b & 0xff)) * 0x100000001b3L;
        }
        return h;
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
                        + "sink_offset, created_at, gateway) VALUES (?, ?, ?, ?)", new String[] {"id"})) {
                    for (Position start : starts) {
                        ps.setString(1, start.location());
                        ps.setLong(2, start.offset());
                        ps.setLong(3, clock.millis());
                        ps.setString(4, owner);
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
            release();
            return;
        }
        try {
            db.inTransaction(Durability.PROCESS_CRASH, c -> {
                String greatest = db.dialect() == Database.Dialect.SQLITE ? "max" : "GREATEST";
                try (PreparedStatement ps = c.prepareStatement("INSERT INTO ingest_watermarks (agent_id, seq, "
                        + "newest_nanos, updated_at) VALUES (?, ?, ?, ?) ON CONFLICT (agent_id) DO UPDATE SET "
                        + "seq = " + greatest + "(ingest_watermarks.seq, excluded.seq), newest_nanos = CASE WHEN "
                        + "ingest_watermarks.newest_nanos IS NULL THEN excluded.newest_nanos ELSE " + greatest
                        + "(ingest_watermarks.newest_nanos, excluded.newest_nanos) END, "
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
            forget();
            throw failure("commit the watermarks of " + marks.size() + " agents", e);
        } catch (RuntimeException | Error e) {
            forget();
            throw e;
        } finally {
            release();
        }
        if (known != null) {
            synchronized (known) {
                for (Map.Entry<String, Mark> e : marks.entrySet()) {
                    Mark before = known.get(e.getKey());
                    Mark m = e.getValue();
                    // As the statement above: the greater sequence, and the greater time unless none was known. An
                    // agent not in memory (its mark unknown here, not absent) is read from the database next time.
                    if (before != null) {
                        known.put(e.getKey(), new Mark(Math.max(before.seq(), m.seq()),
                                before.newestNanos() == Mark.UNKNOWN_NEWEST ? m.newestNanos()
                                        : Math.max(before.newestNanos(), m.newestNanos())));
                    }
                }
            }
        }
    }

    /** Keeps {@code mark} in {@link #known}; holds its monitor. */
    private void remember(String agentId, Mark mark) {
        if (known.size() >= maxKnown && !known.containsKey(agentId)) {
            known.clear();
        }
        known.put(agentId, mark);
    }

    /** Empties {@link #known}: the marks are read from the database again. */
    private void forget() {
        if (known != null) {
            synchronized (known) {
                known.clear();
            }
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
        } finally {
            release();
        }
    }

    /** Every write this gateway left in progress, oldest first (rows from before owners were kept count too). */
    public List<Pending> pending() throws IOException {
        try {
            return db.read(c -> {
                List<Pending> out = new ArrayList<>();
                try (PreparedStatement ps = c.prepareStatement("SELECT id, sink_location, sink_offset FROM "
                        + "ingest_pending WHERE gateway = ? OR gateway IS NULL ORDER BY id")) {
                    ps.setString(1, owner);
                    ResultSet rs = ps.executeQuery();
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
        forget();
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
        } finally {
            forget();
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
