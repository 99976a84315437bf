package dev.outpost.gateway.store;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.sql.Statement;

/**
 * The gateway's embedded SQLite database ({@code state.db}): one connection, serialised by this object, WAL
 * journal, created {@code 0600} because it holds token HMACs. Schema changes are applied in order at open.
 */
public final class Database implements AutoCloseable {
    private static final String[] SCHEMA = {
        """
        CREATE TABLE IF NOT EXISTS tokens (
          id TEXT PRIMARY KEY,
          org TEXT NOT NULL,
          secret_hmac BLOB NOT NULL,
          max_uses INTEGER NOT NULL,
          uses INTEGER NOT NULL DEFAULT 0,
          created_at INTEGER NOT NULL,
          expires_at INTEGER NOT NULL,
          last_used_at INTEGER,
          revoked_at INTEGER)
        """,
        """
        CREATE TABLE IF NOT EXISTS agents (
          id TEXT PRIMARY KEY,
          org TEXT NOT NULL,
          hostname TEXT NOT NULL,
          token_id TEXT NOT NULL,
          serial TEXT NOT NULL,
          not_after INTEGER NOT NULL,
          enrolled_at INTEGER NOT NULL,
          status TEXT NOT NULL DEFAULT 'active')
        """,
        // Ingest reloads the revoked and locked agents every second (CachedDenyList): keep that a short scan.
        "CREATE INDEX IF NOT EXISTS agents_status ON agents(status)",
        // The highest batch sequence stored per agent: a batch at or below it is a retry (Watermarks).
        """
        CREATE TABLE IF NOT EXISTS ingest_watermarks (
          agent_id TEXT PRIMARY KEY,
          seq INTEGER NOT NULL,
          updated_at INTEGER NOT NULL)
        """,
        // A sink write in progress; a row left at start-up is a write cut short, undone before serving.
        """
        CREATE TABLE IF NOT EXISTS ingest_pending (
          id INTEGER PRIMARY KEY,
          agent_id TEXT,
          seq INTEGER,
          sink_location TEXT NOT NULL,
          sink_offset INTEGER NOT NULL,
          created_at INTEGER NOT NULL)
        """,
        // Append-only, hash-chained audit log (AuditLog); the triggers make the store refuse edits and deletes.
        """
        CREATE TABLE IF NOT EXISTS audit (
          seq INTEGER PRIMARY KEY,
          time INTEGER NOT NULL,
          kind TEXT NOT NULL,
          org TEXT,
          agent TEXT,
          token TEXT,
          source TEXT,
          detail TEXT NOT NULL,
          prev_hash BLOB NOT NULL,
          hash BLOB NOT NULL)
        """,
        // A CA rollover in progress (RolloverRecord): at most one row; none when there is no rollover. The operator's
        // commands set intents (a request, an earlier switch or retirement); the gateway carries out the steps.
        """
        CREATE TABLE IF NOT EXISTS ca_rollover (
          id INTEGER PRIMARY KEY CHECK (id = 1),
          phase TEXT NOT NULL,
          requested_at INTEGER NOT NULL,
          switch_after INTEGER NOT NULL,
          staged_at INTEGER,
          switch_at INTEGER,
          switch_by TEXT,
          switched_at INTEGER,
          retire_at INTEGER,
          retire_by TEXT,
          next_pin TEXT,
          previous_pin TEXT)
        """,
        """
        CREATE TRIGGER IF NOT EXISTS audit_no_update BEFORE UPDATE ON audit
        BEGIN SELECT RAISE(ABORT, 'the audit log is append-only'); END
        """,
        """
        CREATE TRIGGER IF NOT EXISTS audit_no_delete BEFORE DELETE ON audit
        BEGIN SELECT RAISE(ABORT, 'the audit log is append-only'); END
        """,
    };
    private final Connection connection;

    private Database(Connection connection) {
        this.connection = connection;
    }

    /** Opens (creating if needed) the database file. */
    public static Database open(Path file) throws IOException {
        try {
            if (!Files.exists(file)) {
                Files.createFile(file, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
            }
            Connection c = DriverManager.getConnection("jdbc:sqlite:" + file.toAbsolutePath());
            try (Statement s = c.createStatement()) {
                s.execute("PRAGMA journal_mode=WAL");
                s.execute("PRAGMA synchronous=FULL");
                s.execute("PRAGMA foreign_keys=ON");
                s.execute("PRAGMA busy_timeout=5000");
                for (String ddl : SCHEMA) {
                    s.execute(ddl);
                }
                addMissingColumns(s);
            }
            return new Database(c);
        } catch (SQLException e) {
            throw new IOException(file + ": cannot open the state database: " + e.getMessage(), e);
        }
    }

    /** Columns added after a table was first created: {table, column, type}. Added when missing at open. */
    private static final String[][] ADDED_COLUMNS = {
        // Certificate lineage (Renewals): the serial before the current one, and when it was replaced.
        {"agents", "prev_serial", "TEXT"},
        {"agents", "renewed_at", "INTEGER"},
        // The newest data point time stored per agent: a batch below the watermark with newer data is new
        // (sequences reused by a state directory restored from a snapshot). NULL: dedupe by sequence alone.
        {"ingest_watermarks", "newest_nanos", "INTEGER"},
        // Certified keys (CertifiedKeys): SHA-256 of the current and previous certificate's key, and the current
        // certificate itself, returned again to a retry of the request that produced it.
        {"agents", "key_sha256", "TEXT"},
        {"agents", "prev_key_sha256", "TEXT"},
        {"agents", "cert", "BLOB"},
    };
    /** Indexes on added columns, created after them. */
    private static final String[] ADDED_INDEXES = {
        "CREATE INDEX IF NOT EXISTS agents_key ON agents(key_sha256)",
        "CREATE INDEX IF NOT EXISTS agents_prev_key ON agents(prev_key_sha256)",
    };

    private static void addMissingColumns(Statement s) throws SQLException {
        for (String[] col : ADDED_COLUMNS) {
            boolean present = false;
            try (java.sql.ResultSet rs = s.executeQuery("SELECT 1 FROM pragma_table_info('" + col[0]
                    + "') WHERE name = '" + col[1] + "'")) {
                present = rs.next();
            }
            if (!present) {
                s.execute("ALTER TABLE " + col[0] + " ADD COLUMN " + col[1] + " " + col[2]);
            }
        }
        for (String ddl : ADDED_INDEXES) {
            s.execute(ddl);
        }
    }

    /** Work done inside one transaction. */
    @FunctionalInterface
    public interface Work<T, E extends Exception> {
        T run(Connection c) throws SQLException, E;
    }

    /** How much a committed transaction survives. */
    public enum Durability {
        /** {@code synchronous=FULL}: the commit survives power loss (tokens, enrollments). */
        POWER_LOSS("FULL"),
        /**
         * {@code synchronous=NORMAL}: in WAL mode the commit survives a crash or {@code kill -9} of the gateway
         * (it is in the OS page cache), but power loss may take back the last commits. Used for the per-batch
         * watermark writes: the sink is fsynced before its watermark is written, so power loss can make a retried
         * batch be stored twice (or leave a cut one in the sink), never lose one.
         */
        PROCESS_CRASH("NORMAL");

        private final String pragma;

        Durability(String pragma) {
            this.pragma = pragma;
        }
    }

    /** Runs {@code work} in a write transaction: committed if it returns, rolled back if it throws. */
    public <T, E extends Exception> T inTransaction(Work<T, E> work) throws SQLException, E {
        return inTransaction(Durability.POWER_LOSS, work);
    }

    /** Runs {@code work} in a write transaction committed with the given durability. */
    public synchronized <T, E extends Exception> T inTransaction(Durability durability, Work<T, E> work)
            throws SQLException, E {
        try (Statement s = connection.createStatement()) {
            s.execute("PRAGMA synchronous=" + durability.pragma);
            s.execute("BEGIN IMMEDIATE");
        }
        boolean done = false;
        try {
            T result = work.run(connection);
            try (Statement s = connection.createStatement()) {
                s.execute("COMMIT");
            }
            done = true;
            return result;
        } finally {
            if (!done) {
                try (Statement s = connection.createStatement()) {
                    s.execute("ROLLBACK");
                }
            }
        }
    }

    /** Runs a read. */
    public synchronized <T, E extends Exception> T read(Work<T, E> work) throws SQLException, E {
        return work.run(connection);
    }

    @Override
    public synchronized void close() throws SQLException {
        connection.close();
    }
}
