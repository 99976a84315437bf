package dev.outpost.gateway.store;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The audit chain against an attacker with write access to state.db: the triggers stop casual edits, and
 * {@link AuditVerifier} names the first entry edited, deleted, inserted or reordered after the triggers are dropped.
 */
class AuditLogTest {
    static final Clock CLOCK = Clock.fixed(Instant.parse("2026-11-22T10:00:00Z"), ZoneOffset.UTC);
    @TempDir
    Path dir;
    Database db;

    @BeforeEach
    void fill() throws Exception {
        db = Database.open(dir.resolve("state.db"));
        AuditLog log = new AuditLog(CLOCK);
        for (int i = 1; i <= 25; i++) {
            log.append(db, new AuditEvent(AuditEvent.AGENT_REVOKE, "acme", "a-" + i, null, AuditEvent.CLI, "event " + i));
        }
        db.close();
    }

    @AfterEach
    void close() throws Exception {
        db.close();
    }

    /** Verifies as {@code audit verify} does (streamed, later hashes looked up in SQL) and from a list: both agree. */
    Optional<String> verify() throws Exception {
        db = Database.open(dir.resolve("state.db"));
        AuditVerifier streamed = new AuditVerifier((after, hash) -> AuditLog.seqOfLaterHash(db, after, hash));
        AuditLog.scan(db, streamed::accept);
        Optional<String> problem = streamed.finish();
        assertEquals(AuditVerifier.firstProblem(AuditLog.all(db)), problem, "streamed and in-memory verification");
        return problem;
    }

    /** What an attacker with the file does: drop the triggers, then change rows with plain SQL. */
    void tamper(String... sql) throws Exception {
        Connection c = attacker();
        try (Statement s = c.createStatement()) {
            for (String q : sql) {
                s.execute(q);
            }
        }
        c.close();
    }

    List<AuditEntry> entries() throws Exception {
        db = Database.open(dir.resolve("state.db"));
        List<AuditEntry> all = AuditLog.all(db);
        db.close();
        return all;
    }

    Connection attacker() throws SQLException {
        db.close();
        Connection c = DriverManager.getConnection("jdbc:sqlite:" + dir.resolve("state.db"));
        try (Statement s = c.createStatement()) {
            s.execute("DROP TRIGGER IF EXISTS audit_no_update");
            s.execute("DROP TRIGGER IF EXISTS audit_no_delete");
        }
        return c;
    }

    @Test
    void anUntouchedChainVerifies() throws Exception {
        assertEquals(Optional.empty(), verify());
        assertEquals(25, AuditLog.all(db).size());
    }

    @Test
    void theStoreRefusesUpdateAndDelete() throws Exception {
        db = Database.open(dir.resolve("state.db"));
        SQLException upd = assertThrows(SQLException.class, () -> db.inTransaction(c -> {
            try (Statement s = c.createStatement()) {
                return s.executeUpdate("UPDATE audit SET detail = 'x' WHERE seq = 3");
            }
        }));
        assertTrue(upd.getMessage().contains("the audit log is append-only"), upd.getMessage());
        SQLException del = assertThrows(SQLException.class, () -> db.inTransaction(c -> {
            try (Statement s = c.createStatement()) {
                return s.executeUpdate("DELETE FROM audit WHERE seq = 3");
            }
        }));
        assertTrue(del.getMessage().contains("the audit log is append-only"), del.getMessage());
        assertEquals(Optional.empty(), AuditVerifier.firstProblem(AuditLog.all(db)));
    }

    @Test
    void anEditedEntryIsNamed() throws Exception {
        tamper("UPDATE audit SET detail = 'nothing happened' WHERE seq = 17");
        assertEquals(Optional.of("audit entry 17 was edited: its hash does not match its content"), verify());
    }

    @Test
    void anEditedEntryWithARecomputedHashIsNamedByItsSuccessor() throws Exception {
        AuditEntry e = entries().get(16);
        AuditEvent forged = new AuditEvent(e.event().kind(), "acme", "a-forged", null, "cli", "forged");
        try (Connection c = attacker()) {
            rewrite(c, 17, forged, AuditHash.of(17, e.time(), forged, e.prevHash()), e.prevHash());
        }
        assertEquals(Optional.of("audit entry 17 was edited: entry 18 does not link to its hash"), verify());
    }

    @Test
    void aDeletedEntryIsNamed() throws Exception {
        tamper("DELETE FROM audit WHERE seq = 18");
        assertEquals(Optional.of("audit entry 18 is missing: entry 19 follows 17"), verify());
        db.close();
        tamper("DELETE FROM audit WHERE seq = 1");
        assertEquals(Optional.of("audit entry 1 is missing: the log starts at entry 2"), verify());
    }

    @Test
    void anInsertedEntryIsNamedEvenWithAValidHash() throws Exception {
        tamper("UPDATE audit SET seq = -seq WHERE seq >= 18", "UPDATE audit SET seq = 1 - seq WHERE seq < 0");
        AuditEntry before = entries().get(16);
        AuditEvent forged = new AuditEvent(AuditEvent.TOKEN_CREATE, "acme", null, "0123456789ab", "cli", "forged");
        try (Connection c = attacker(); PreparedStatement ps = c.prepareStatement("INSERT INTO audit(seq, time, kind, org, agent, "
                + "token, source, detail, prev_hash, hash) VALUES (18, ?, ?, ?, NULL, ?, ?, ?, ?, ?)")) {
            ps.setLong(1, before.time().toEpochMilli());
            ps.setString(2, forged.kind());
            ps.setString(3, forged.org());
            ps.setString(4, forged.token());
            ps.setString(5, forged.source());
            ps.setString(6, forged.detail());
            ps.setBytes(7, before.hash());
            ps.setBytes(8, AuditHash.of(18, before.time(), forged, before.hash()));
            ps.executeUpdate();
        }
        assertEquals(Optional.of("audit entry 18 was inserted: entry 19 links to entry 17"), verify());
    }

    @Test
    void swappedEntriesAreNamedAsReordered() throws Exception {
        List<AuditEntry> all = entries();
        AuditEntry a = all.get(16);
        AuditEntry b = all.get(17);
        try (Connection c = attacker()) {
            rewrite(c, 17, b.event(), b.hash(), b.prevHash());
            rewrite(c, 18, a.event(), a.hash(), a.prevHash());
        }
        assertEquals(Optional.of("audit entry 17 was reordered: it links to entry 18, which comes after it"), verify());
    }

    static void rewrite(Connection c, long seq, AuditEvent e, byte[] hash, byte[] prev) throws Exception {
        try (PreparedStatement ps = c.prepareStatement("UPDATE audit SET kind = ?, org = ?, agent = ?, token = ?, "
                + "source = ?, detail = ?, hash = ?, prev_hash = ? WHERE seq = ?")) {
            ps.setString(1, e.kind());
            ps.setString(2, e.org());
            ps.setString(3, e.agent());
            ps.setString(4, e.token());
            ps.setString(5, e.source());
            ps.setString(6, e.detail());
            ps.setBytes(7, hash);
            ps.setBytes(8, prev);
            ps.setLong(9, seq);
            ps.executeUpdate();
        }
    }
}
