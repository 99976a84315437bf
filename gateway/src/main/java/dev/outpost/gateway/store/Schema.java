package dev.outpost.gateway.store;

import dev.outpost.gateway.store.Database.Dialect;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.List;

/**
 * The state database's one logical schema, in versions: {@link #migrate} brings a database up to {@link #VERSION}
 * in one transaction at open, and refuses a database a newer gateway has migrated. Version 1 is the schema as it
 * stood before versions were recorded: for SQLite it is idempotent (it completes a file of any earlier release);
 * for PostgreSQL it is the same tables in that dialect. Later versions are one statement list for both where the
 * dialects agree.
 */
final class Schema {
    /** The schema version this gateway writes. */
    static final int VERSION = 3;

    private static final String[] SQLITE_V1 = {
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

    /** Columns added to SQLite files after their table was first created: {table, column, type}. */
    private static final String[][] SQLITE_ADDED_COLUMNS = {
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

    private static final String[] INDEXES = {
        "CREATE INDEX IF NOT EXISTS agents_key ON agents(key_sha256)",
        "CREATE INDEX IF NOT EXISTS agents_prev_key ON agents(prev_key_sha256)",
    };

    /**
     * The same tables in PostgreSQL: BIGINT for times and sequences, BYTEA for hashes and certificates, and a
     * {@code rowid} identity column where listings order by insertion (SQLite has one implicitly). The audit table
     * refuses UPDATE, DELETE and TRUNCATE by trigger, whoever the role; the grants (README) add a role that has no
     * UPDATE or DELETE on it in the first place.
     */
    private static final String[] POSTGRESQL_V1 = {
        """
        CREATE TABLE tokens (
          rowid BIGINT GENERATED BY DEFAULT AS IDENTITY,
          id TEXT PRIMARY KEY,
          org TEXT NOT NULL,
          secret_hmac BYTEA NOT NULL,
          max_uses INTEGER NOT NULL,
          uses INTEGER NOT NULL DEFAULT 0,
          created_at BIGINT NOT NULL,
          expires_at BIGINT NOT NULL,
          last_used_at BIGINT,
          revoked_at BIGINT)
        """,
        """
        CREATE TABLE agents (
          rowid BIGINT GENERATED BY DEFAULT AS IDENTITY,
          id TEXT PRIMARY KEY,
          org TEXT NOT NULL,
          hostname TEXT NOT NULL,
          token_id TEXT NOT NULL,
          serial TEXT NOT NULL,
          not_after BIGINT NOT NULL,
          enrolled_at BIGINT NOT NULL,
          status TEXT NOT NULL DEFAULT 'active',
          prev_serial TEXT,
          renewed_at BIGINT,
          key_sha256 TEXT,
          prev_key_sha256 TEXT,
          cert BYTEA)
        """,
        "CREATE INDEX agents_status ON agents(status)",
        """
        CREATE TABLE ingest_watermarks (
          agent_id TEXT PRIMARY KEY,
          seq BIGINT NOT NULL,
          updated_at BIGINT NOT NULL,
          newest_nanos BIGINT)
        """,
        """
        CREATE TABLE ingest_pending (
          id BIGINT GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY,
          agent_id TEXT,
          seq BIGINT,
          sink_location TEXT NOT NULL,
          sink_offset BIGINT NOT NULL,
          created_at BIGINT NOT NULL)
        """,
        """
        CREATE TABLE audit (
          seq BIGINT PRIMARY KEY,
          time BIGINT NOT NULL,
          kind TEXT NOT NULL,
          org TEXT,
          agent TEXT,
          token TEXT,
          source TEXT,
          detail TEXT NOT NULL,
          prev_hash BYTEA NOT NULL,
          hash BYTEA NOT NULL)
        """,
        """
        CREATE TABLE ca_rollover (
          id INTEGER PRIMARY KEY CHECK (id = 1),
          phase TEXT NOT NULL,
          requested_at BIGINT NOT NULL,
          switch_after BIGINT NOT NULL,
          staged_at BIGINT,
          switch_at BIGINT,
          switch_by TEXT,
          switched_at BIGINT,
          retire_at BIGINT,
          retire_by TEXT,
          next_pin TEXT,
          previous_pin TEXT)
        """,
        """
        CREATE FUNCTION outpost_audit_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN
          RAISE EXCEPTION 'the audit log is append-only';
        END
        $$
        """,
        """
        CREATE TRIGGER audit_no_update_or_delete BEFORE UPDATE OR DELETE ON audit
        FOR EACH ROW EXECUTE FUNCTION outpost_audit_append_only()
        """,
        """
        CREATE TRIGGER audit_no_truncate BEFORE TRUNCATE ON audit
        FOR EACH STATEMENT EXECUTE FUNCTION outpost_audit_append_only()
        """,
    };

    /** Version 2, both dialects: which gateway a sink write in progress belongs to (several share one database). */
    private static final String[] V2 = {
        "ALTER TABLE ingest_pending ADD COLUMN gateway TEXT",
    };

    /**
     * Version 3, both dialects (BLOB and INTEGER are BYTEA and BIGINT in PostgreSQL): the CA material and the token
     * pepper, where several gateways share them (SharedCa, SharedPepper; a SQLite gateway keeps its files). A private
     * key or secret is only ever stored sealed with the master key (AES-256-GCM, as {@code ca.key.enc}); the master
     * key itself is never stored here.
     */
    private static final String[] V3 = {
        // One row per role: 'issuing' (with its sealed key), during a rollover 'next' (sealed key too) and the links
        // 'link_new_with_old' and 'link_old_with_new', after the switch 'previous' (no key). Certificates in DER.
        """
        CREATE TABLE ca_material (
          role TEXT PRIMARY KEY CHECK (role IN ('issuing', 'next', 'previous', 'link_new_with_old',
            'link_old_with_new')),
          certificate BLOB NOT NULL,
          sealed_key BLOB,
          created_at INTEGER NOT NULL)
        """,
        // Secrets every gateway needs, sealed with the master key: 'token_pepper'.
        """
        CREATE TABLE sealed_secrets (
          name TEXT PRIMARY KEY,
          sealed BLOB NOT NULL,
          created_at INTEGER NOT NULL)
        """,
    };

    private Schema() {
    }

    /**
     * Brings the database on {@code c} (in a transaction the caller commits) to {@link #VERSION}.
     *
     * @throws NewerSchemaException if a newer gateway migrated it already
     */
    static int migrate(Connection c, Dialect dialect, String where) throws SQLException, NewerSchemaException {
        try (Statement s = c.createStatement()) {
            // Checked before created: a role without CREATE (the gateways', see the README's grants) opens an
            // up-to-date database without attempting any DDL.
            String exists = dialect == Dialect.SQLITE
                    ? "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'schema_version'"
                    : "SELECT 1 FROM information_schema.tables WHERE table_name = 'schema_version' "
                            + "AND table_schema = current_schema()";
            boolean present;
            try (ResultSet rs = s.executeQuery(exists)) {
                present = rs.next();
            }
            if (!present) {
                s.execute("CREATE TABLE schema_version (version INTEGER NOT NULL)");
            }
            int version = 0;
            try (ResultSet rs = s.executeQuery("SELECT MAX(version) FROM schema_version")) {
                if (rs.next()) {
                    version = rs.getInt(1);
                }
            }
            if (version > VERSION) {
                throw new NewerSchemaException(where + ": the state database has schema version " + version
                        + ", newer than this gateway's " + VERSION + " (a newer outpost-gateway migrated it); run "
                        + "that release or a later one, or restore a backup taken before the upgrade");
            }
            for (int v = version + 1; v <= VERSION; v++) {
                for (String ddl : statements(v, dialect)) {
                    s.execute(ddl);
                }
                if (v == 1 && dialect == Dialect.SQLITE) {
                    addMissingColumns(s);
                }
                if (v == 1) {
                    for (String ddl : INDEXES) {
                        s.execute(ddl);
                    }
                }
                s.execute("DELETE FROM schema_version");
                s.execute("INSERT INTO schema_version(version) VALUES (" + v + ")");
            }
            return version;
        }
    }

    private static List<String> statements(int version, Dialect dialect) {
        return switch (version) {
            case 1 -> List.of(dialect == Dialect.SQLITE ? SQLITE_V1 : POSTGRESQL_V1);
            case 2 -> List.of(V2);
            case 3 -> List.of(V3).stream().map(ddl -> dialect == Dialect.SQLITE ? ddl
                    : ddl.replace(" BLOB", " BYTEA").replace(" INTEGER", " BIGINT")).toList();
            default -> throw new IllegalArgumentException("no schema version " + version);
        };
    }

    private static void addMissingColumns(Statement s) throws SQLException {
        for (String[] col : SQLITE_ADDED_COLUMNS) {
            boolean present;
            try (ResultSet rs = s.executeQuery("SELECT 1 FROM pragma_table_info('" + col[0] + "') WHERE name = '"
                    + col[1] + "'")) {
                present = rs.next();
            }
            if (!present) {
                s.execute("ALTER TABLE " + col[0] + " ADD COLUMN " + col[1] + " " + col[2]);
            }
        }
    }

    /** The database was migrated by a newer gateway: this one must not touch it. */
    static final class NewerSchemaException extends Exception {
        private static final long serialVersionUID = 1L;

        NewerSchemaException(String message) {
            super(message);
        }
    }
}
