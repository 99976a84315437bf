package dev.outpost.gateway.store;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.outpost.gateway.sink.MetricSink.Position;
import java.sql.Connection;
import java.sql.Statement;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The store contract on a real PostgreSQL server (TestPostgres): two stores, each with its own pool, stand for two
 * gateways sharing one database. Plus what only a shared database has: ingest locks between gateways.
 */
class PostgresqlStoreContractTest extends StoreContract {
    String database;

    @Override
    @BeforeEach
    void openBoth() throws Exception {
        database = TestPostgres.get().newDatabase();
        super.openBoth();
    }

    @Override
    Database open() throws Exception {
        return TestPostgres.get().open(database);
    }

    @Override
    void execute(String sql) throws Exception {
        try (Connection c = TestPostgres.get().admin(database); Statement s = c.createStatement()) {
            s.execute(sql);
        }
    }

    @Test
    void aBatchBeingStoredAtOneGatewayIsSeenAsStoredByTheOtherOnceItIs() throws Exception {
        Watermarks atA = new Watermarks(a, clock, "gateway-a");
        Watermarks atB = new Watermarks(b, clock, "gateway-b");
        // A takes agent a-1's batch 3; B receives the same retried batch meanwhile and must wait for A's outcome.
        assertEquals(Map.of(), atA.of(List.of("a-1")));
        CompletableFuture<Map<String, Watermarks.Mark>> atBWaits = CompletableFuture.supplyAsync(() -> {
            try {
                return atB.of(List.of("a-1"));
            } catch (java.io.IOException e) {
                throw new IllegalStateException(e);
            }
        });
        Thread.sleep(300);
        assertTrue(!atBWaits.isDone(), "B read the mark while A was storing");
        List<Watermarks.Pending> p = atA.begin(List.of(new Position("acme/f", 0)));
        atA.commit(p, Map.of("a-1", new Watermarks.Mark(3, 99)));
        assertEquals(Map.of("a-1", new Watermarks.Mark(3, 99)), atBWaits.get(10, TimeUnit.SECONDS));
        atB.release();
    }

    @Test
    void aGatewayThatDiesReleasesItsIngestLocksAtOnce() throws Exception {
        Database c = open();
        Watermarks atC = new Watermarks(c, clock, "gateway-c");
        atC.of(List.of("a-9"));
        c.close(); // the session ends, as when the process is killed
        long started = System.nanoTime();
        assertEquals(Map.of(), new Watermarks(b, clock, "gateway-b").of(List.of("a-9")));
        assertTrue(System.nanoTime() - started < Watermarks.LOCK_WAIT.toNanos());
    }

    /** The grants of the README's "PostgreSQL grants", run as written there (after the owner's first start). */
    static final String[] GRANTS = {
        "GRANT USAGE ON SCHEMA public TO outpost_gateway",
        "GRANT SELECT, INSERT, UPDATE, DELETE ON tokens, agents, ingest_watermarks, ingest_pending, ca_rollover, "
                + "ca_material TO outpost_gateway",
        "GRANT SELECT, INSERT ON sealed_secrets TO outpost_gateway",
        "GRANT SELECT, INSERT ON audit TO outpost_gateway",
        "GRANT SELECT ON schema_version TO outpost_gateway",
        "GRANT USAGE ON ALL SEQUENCES IN SCHEMA public TO outpost_gateway",
    };

    @Test
    void theGatewayRoleOfTheDocumentedGrantsWorksAndCannotEditOrDeleteAuditEntries() throws Exception {
        LocalPostgres pg = TestPostgres.get();
        try (Connection c = pg.admin("postgres"); Statement s = c.createStatement()) {
            s.execute("DO $$ BEGIN IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'outpost_gateway') THEN "
                    + "CREATE ROLE outpost_gateway LOGIN PASSWORD 'gw-secret'; END IF; END $$");
        }
        try (Connection c = pg.admin(database); Statement s = c.createStatement()) {
            for (String grant : GRANTS) {
                s.execute(grant);
            }
        }
        try (Database gw = Database.open(new Database.PostgresqlTarget(pg.url(database), "outpost_gateway", "gw-secret",
                4, java.time.Duration.ofSeconds(10)))) {
            dev.outpost.wire.EnrollmentToken t = enrollments(gw).createToken("acme", 1, java.time.Duration.ofHours(1));
            enroll(gw, t);
            assertEquals(2, AuditLog.all(gw).size());
            assertEquals(java.util.Optional.empty(), AuditVerifier.firstProblem(AuditLog.all(gw)));
            java.sql.SQLException denied = org.junit.jupiter.api.Assertions.assertThrows(java.sql.SQLException.class,
                    () -> gw.read(c -> {
                        try (Statement s = c.createStatement()) {
                            s.execute("DELETE FROM audit");
                        }
                        return null;
                    }));
            assertTrue(denied.getMessage().contains("permission denied"), denied.getMessage());
            // The CA and the pepper in the database, and a whole rollover, as the gateways' role.
            dev.outpost.gateway.ca.MasterKey master = dev.outpost.gateway.ca.MasterKey.create(dir.resolve("gw.key"),
                    random);
            new SharedCa(gw, clock).create(master, clock, random);
            new SharedPepper(gw, clock).open(master, dir.resolve("gw-pepper"), random);
            assertTrue(new RolloverRecord(gw, clock).request(java.time.Duration.ZERO));
            assertTrue(rollover(gw, master).advance());
            assertTrue(new RolloverRecord(gw, clock).retireNow());
            assertTrue(rollover(gw, master).advance());
            assertEquals(List.of("issuing+key"), caRows());
        }
        // A direct edit by the owner (triggers aside) is found by audit verify.
        execute("ALTER TABLE audit DISABLE TRIGGER audit_no_update_or_delete");
        execute("UPDATE audit SET detail = 'nothing happened' WHERE seq = 2");
        assertEquals(java.util.Optional.of("audit entry 2 was edited: its hash does not match its content"),
                AuditVerifier.firstProblem(AuditLog.all(a)));
    }
}
