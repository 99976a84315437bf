package dev.outpost.gateway.store;

import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.Objects;
import java.util.concurrent.locks.ReentrantLock;

/**
 * The gateway's state database: an embedded SQLite file ({@code state.db}: one connection, WAL journal, created
 * {@code 0600} because it holds token HMACs), or PostgreSQL shared by several gateways (a bounded HikariCP pool).
 * The same logical schema ({@link Schema}) is migrated at open, in one transaction.
 *
 * <p>State changes ({@link #inTransaction(Work)}: tokens, agents, lineage, revocations, the CA rollover, the audit
 * chain) are serialised fleet-wide: SQLite's write lock, PostgreSQL's transaction-level advisory lock
 * {@link #STATE_LOCK} taken first in every such transaction, so N gateways behave as one (a token's last use is
 * consumed once, the lineage lock holds, the audit chain is appended in one order). They are group-committed
 * ({@link GroupCommit}): the changes of many concurrent callers share one transaction and one fsync, each in a
 * savepoint of its own, and each caller is answered only once that transaction is durable.
 */
public final class Database implements AutoCloseable {
    /** PostgreSQL advisory lock key serialising state changes; the value spells "outpost1". */
    static final long STATE_LOCK = 0x6f7574706f737431L;
    /** PostgreSQL advisory lock key serialising schema migrations of gateways that start together. */
    static final long MIGRATION_LOCK = STATE_LOCK + 1;

    /** The SQL dialect of the store, for the few statements that differ. */
    public enum Dialect {
        SQLITE, POSTGRESQL
    }

    private final Dialect dialect;
    /** SQLite: the one connection, used under {@link #sqliteLock}. Null for PostgreSQL. */
    private final Connection sqlite;
    private final ReentrantLock sqliteLock = new ReentrantLock();
    /**
     * SQLite: the connection's {@code synchronous} setting now (under {@link #sqliteLock}), so that a transaction
     * sets it only when it needs another one: ingest commits two transactions per group, each a statement less.
     */
    private String sqliteSynchronous = "FULL";
    /** PostgreSQL: the pool. Null for SQLite. */
    private final HikariDataSource pool;
    private final String where;
    private final GroupCommit group;

    private Database(Dialect dialect, Connection sqlite, HikariDataSource pool, String where) {
        this.dialect = dialect;
        this.sqlite = sqlite;
        this.pool = pool;
        this.where = where;
        this.group = new GroupCommit(this);
    }

    /** Opens (creating if needed) the SQLite database file. */
    public static Database open(Path file) throws IOException {
        Connection c = null;
        try {
            if (!Files.exists(file)) {
                Files.createFile(file, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
            }
            c = DriverManager.getConnection("jdbc:sqlite:" + file.toAbsolutePath());
            try (Statement s = c.createStatement()) {
                s.execute("PRAGMA journal_mode=WAL");
                s.execute("PRAGMA synchronous=FULL");
                s.execute("PRAGMA foreign_keys=ON");
                s.execute("PRAGMA busy_timeout=5000");
                s.execute("BEGIN IMMEDIATE");
                try {
                    Schema.migrate(c, Dialect.SQLITE, file.toString());
                    s.execute("COMMIT");
                } catch (SQLException | Schema.NewerSchemaException | RuntimeException e) {
                    s.execute("ROLLBACK");
                    throw e;
                }
            }
            return new Database(Dialect.SQLITE, c, null, file.toString());
        } catch (Schema.NewerSchemaException e) {
            closeQuietly(c);
            throw new IOException(e.getMessage(), e);
        } catch (SQLException e) {
            closeQuietly(c);
            throw new IOException(file + ": cannot open the state database: " + e.getMessage(), e);
        }
    }

    /** How to reach a PostgreSQL state database. The password is never logged. */
    public record PostgresqlTarget(String url, String user, String password, int poolSize, Duration connectTimeout) {
        public PostgresqlTarget {
            Objects.requireNonNull(url, "url");
            Objects.requireNonNull(user, "user");
            Objects.requireNonNull(password, "password");
        }

        @Override
        public String toString() {
            return url + " as " + user;
        }
    }

    /** Connects to PostgreSQL and migrates its schema; fails (nothing left open) if it cannot. */
    public static Database open(PostgresqlTarget target) throws IOException {
        HikariConfig hc = new HikariConfig();
        hc.setPoolName("outpost-state");
        hc.setJdbcUrl(target.url());
        hc.setUsername(target.user());
        hc.setPassword(target.password());
        hc.setMaximumPoolSize(target.poolSize());
        hc.setMinimumIdle(Math.min(2, target.poolSize()));
        hc.setConnectionTimeout(Math.max(250, target.connectTimeout().toMillis()));
        hc.setInitializationFailTimeout(Math.max(1, target.connectTimeout().toMillis()));
        hc.addDataSourceProperty("ApplicationName", "outpost-gateway");
        hc.addDataSourceProperty("connectTimeout", Math.max(1, target.connectTimeout().toSeconds()));
        // A gateway whose database stops answering fails requests (503) rather than hangs on a dead socket.
        hc.addDataSourceProperty("socketTimeout", 60);
        hc.addDataSourceProperty("tcpKeepAlive", true);
        HikariDataSource pool;
        try {
            pool = new HikariDataSource(hc);
        } catch (RuntimeException e) {
            throw new IOException(target + ": cannot connect to the PostgreSQL state database: " + rootMessage(e)
                    + "; check state.postgresql.url, the user, its password file and that PostgreSQL accepts "
                    + "connections from this host", e);
        }
        try (Connection c = pool.getConnection()) {
            c.setAutoCommit(false);
            try (Statement s = c.createStatement()) {
                s.execute("SELECT pg_advisory_xact_lock(" + MIGRATION_LOCK + ")");
                Schema.migrate(c, Dialect.POSTGRESQL, target.url());
                c.commit();
            } catch (SQLException | Schema.NewerSchemaException | RuntimeException e) {
                c.rollback();
                throw e;
            }
        } catch (Schema.NewerSchemaException e) {
            pool.close();
            throw new IOException(e.getMessage(), e);
        } catch (SQLException e) {
            pool.close();
            throw new IOException(target + ": cannot migrate the PostgreSQL state database: " + e.getMessage()
                    + " (creating or upgrading the schema needs its owner: run the first start of a release as the "
                    + "owner role, see the README's \"PostgreSQL grants\")", e);
        }
        return new Database(Dialect.POSTGRESQL, null, pool, target.url());
    }

    private static String rootMessage(Throwable e) {
        Throwable t = e;
        while (t.getCause() != null && t.getCause() != t) {
            t = t.getCause();
        }
        return t.getMessage() == null ? t.toString() : t.getMessage();
    }

    private static void closeQuietly(Connection c) {
        if (c != null) {
            try {
                c.close();
            } catch (SQLException ignored) {
                // already failing
            }
        }
    }

    /** Which store this is. */
    public Dialect dialect() {
        return dialect;
    }

    /** Where this store is (a file or a JDBC URL without credentials), for messages. */
    public String where() {
        return where;
    }

    /** Work done inside one transaction. */
    @FunctionalInterface
    public interface Work<T, E extends Exception> {
        T run(Connection c) throws SQLException, E;
    }

    /** How much a committed transaction survives. */
    public enum Durability {
        /**
         * SQLite {@code synchronous=FULL}, PostgreSQL {@code synchronous_commit=on}: the commit survives power loss
         * (tokens, enrollments). These transactions are state changes: serialised fleet-wide and group-committed.
         */
        POWER_LOSS("FULL"),
        /**
         * SQLite {@code synchronous=NORMAL}: in WAL mode the commit survives a crash or {@code kill -9} of the gateway
         * (it is in the OS page cache), but power loss may take back the last commits; PostgreSQL
         * {@code synchronous_commit=off}: the server has the commit, its crash may take back the last few. Used for
         * the per-batch watermark writes: the sink is fsynced before its watermark is written, so losing the last
         * commits can make a retried batch be stored twice (or leave a cut one in the sink), never lose one.
         */
        PROCESS_CRASH("NORMAL");

        private final String pragma;

        Durability(String pragma) {
            this.pragma = pragma;
        }
    }

    /**
     * Runs {@code work} as a state change: committed (durably) if it returns, rolled back if it throws; serialised
     * with every other gateway's state changes and group-committed with this gateway's concurrent ones.
     */
    public <T, E extends Exception> T inTransaction(Work<T, E> work) throws SQLException, E {
        return group.run(work);
    }

    /** Runs {@code work} in a write transaction committed with the given durability. */
    public <T, E extends Exception> T inTransaction(Durability durability, Work<T, E> work) throws SQLException, E {
        if (durability == Durability.POWER_LOSS) {
            return inTransaction(work);
        }
        return transaction(durability, false, work);
    }

    /** One transaction of its own on a connection of its own; {@code serialised} takes {@link #STATE_LOCK}. */
    <T, E extends Exception> T transaction(Durability durability, boolean serialised, Work<T, E> work)
            throws SQLException, E {
        if (dialect == Dialect.SQLITE) {
            sqliteLock.lock();
            try {
                try (Statement s = sqlite.createStatement()) {
                    if (!durability.pragma.equals(sqliteSynchronous)) {
                        s.execute("PRAGMA synchronous=" + durability.pragma);
                        sqliteSynchronous = durability.pragma;
                    }
                    s.execute("BEGIN IMMEDIATE");
                }
                boolean done = false;
                try {
                    T result = work.run(sqlite);
                    try (Statement s = sqlite.createStatement()) {
                        s.execute("COMMIT");
                    }
                    done = true;
                    return result;
                } finally {
                    if (!done) {
                        try (Statement s = sqlite.createStatement()) {
                            s.execute("ROLLBACK");
                        }
                    }
                }
            } finally {
                sqliteLock.unlock();
            }
        }
        try (Connection c = pool.getConnection()) {
            c.setAutoCommit(false);
            boolean done = false;
            try {
                try (Statement s = c.createStatement()) {
                    s.execute("SET LOCAL synchronous_commit = " + (durability == Durability.POWER_LOSS ? "on" : "off"));
                    if (serialised) {
                        s.execute("SELECT pg_advisory_xact_lock(" + STATE_LOCK + ")");
                    }
                }
                T result = work.run(c);
                c.commit();
                done = true;
                return result;
            } finally {
                if (!done) {
                    rollbackQuietly(c);
                }
                c.setAutoCommit(true);
            }
        }
    }

    private static void rollbackQuietly(Connection c) {
        try {
            c.rollback();
        } catch (SQLException ignored) {
            // the connection is broken; the pool discards it
        }
    }

    /**
     * Runs a read. On PostgreSQL on a pooled connection of its own, in a read-only transaction: the driver streams a
     * result set with a fetch size only inside a transaction, so that {@code audit verify} of millions of entries
     * holds a few hundred at a time.
     */
    public <T, E extends Exception> T read(Work<T, E> work) throws SQLException, E {
        if (dialect == Dialect.SQLITE) {
            sqliteLock.lock();
            try {
                return work.run(sqlite);
            } finally {
                sqliteLock.unlock();
            }
        }
        try (Connection c = pool.getConnection()) {
            c.setAutoCommit(false);
            try {
                return work.run(c);
            } finally {
                rollbackQuietly(c);
                c.setAutoCommit(true);
            }
        }
    }

    /**
     * A PostgreSQL connection held by the caller until it closes it (session-level advisory locks); null for SQLite,
     * where one gateway owns the file and needs none.
     */
    Connection session() throws SQLException {
        return dialect == Dialect.SQLITE ? null : pool.getConnection();
    }

    /** Sets {@code args} on {@code ps} in order. */
    static void bind(PreparedStatement ps, Object... args) throws SQLException {
        for (int i = 0; i < args.length; i++) {
            ps.setObject(i + 1, args[i]);
        }
    }

    @Override
    public void close() throws SQLException {
        group.close();
        if (dialect == Dialect.SQLITE) {
            sqliteLock.lock();
            try {
                sqlite.close();
            } finally {
                sqliteLock.unlock();
            }
        } else {
            pool.close();
        }
    }
}
