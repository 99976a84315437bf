package dev.outpost.gateway.store;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.outpost.gateway.store.Database.Durability;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A SQLite transaction sets {@code synchronous} only when it needs another setting than the last one (ingest's two
 * transactions per group had a statement more each): every transaction still commits with the durability it asks.
 */
class SqliteDurabilityTest {
    /** SQLite's values of {@code PRAGMA synchronous}. */
    private static final int NORMAL = 1;
    private static final int FULL = 2;

    private static int synchronous(Connection c) throws SQLException {
        try (Statement s = c.createStatement(); ResultSet rs = s.executeQuery("PRAGMA synchronous")) {
            rs.next();
            return rs.getInt(1);
        }
    }

    @Test
    void eachTransactionRunsWithTheDurabilityItAsksWhateverRanBefore(@TempDir Path dir) throws Exception {
        try (Database db = Database.open(dir.resolve("state.db"))) {
            assertEquals(FULL, db.inTransaction(SqliteDurabilityTest::synchronous),
                    "a state change");
            assertEquals(NORMAL, db.inTransaction(Durability.PROCESS_CRASH, SqliteDurabilityTest::synchronous));
            assertEquals(NORMAL, db.inTransaction(Durability.PROCESS_CRASH, SqliteDurabilityTest::synchronous),
                    "the same again: not set again, still NORMAL");
            assertEquals(FULL, db.inTransaction(Durability.POWER_LOSS, SqliteDurabilityTest::synchronous),
                    "after a PROCESS_CRASH one");
            assertEquals(FULL, db.inTransaction(SqliteDurabilityTest::synchronous), "a state change after it");
            assertEquals(NORMAL, db.inTransaction(Durability.PROCESS_CRASH, SqliteDurabilityTest::synchronous));
            assertEquals(FULL, db.inTransaction(SqliteDurabilityTest::synchronous),
                    "a state change after a PROCESS_CRASH one");
        }
    }
}
