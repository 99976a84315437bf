package dev.outpost.gateway.store;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.outpost.gateway.MutableClock;
import dev.outpost.gateway.ca.AgentIdentity;
import dev.outpost.gateway.ca.CertificateAuthority;
import dev.outpost.gateway.ca.PeerIdentity;
import dev.outpost.gateway.sink.MetricSink.Position;
import dev.outpost.wire.EnrollmentToken;
import java.io.IOException;
import java.nio.file.Path;
import java.security.PublicKey;
import java.security.SecureRandom;
import java.security.cert.X509Certificate;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The contract every state store keeps, run against SQLite and against a real PostgreSQL: two stores opened on the
 * same state stand for two gateways (or a gateway and the CLI), and what one does the other sees and respects.
 */
abstract class StoreContract {
    @TempDir
    Path dir;
    final SecureRandom random = new SecureRandom();
    final MutableClock clock = new MutableClock(Instant.parse("2026-11-22T10:00:00Z"));
    CertificateAuthority ca;
    TokenHasher hasher;
    /** Gateway A and gateway B. */
    Database a;
    Database b;
    final ExecutorService pool = Executors.newFixedThreadPool(48);

    /** Opens a store on the shared state: a new one at each call, as each gateway opens its own. */
    abstract Database open() throws Exception;

    /** A statement run directly in the database, as an operator with a SQL shell would. */
    abstract void execute(String sql) throws Exception;

    @BeforeEach
    void openBoth() throws Exception {
        ca = CertificateAuthority.generate("t", Duration.ofDays(365), clock, random);
        hasher = TokenHasher.loadOrCreate(dir.resolve("pepper"), random);
        a = open();
        b = open();
    }

    @AfterEach
    void closeBoth() throws Exception {
        pool.shutdownNow();
        pool.awaitTermination(10, TimeUnit.SECONDS);
        a.close();
        b.close();
    }

    Enrollments enrollments(Database db) {
        return new Enrollments(db, hasher, clock, random);
    }

    Function<AgentIdentity, X509Certificate> issuer(PublicKey key) {
        return id -> ca.issueAgent(key, id, "outpost.local", Duration.ofHours(24));
    }

    X509Certificate enroll(Database db, EnrollmentToken t) throws Exception {
        PublicKey key = CertificateAuthority.newKeyPair(random).getPublic();
        return enrollments(db).enroll(t.id(), t.secret(), "web", "192.0.2.1", key, issuer(key)).certificate();
    }

    X509Certificate renew(Database db, X509Certificate from) throws Exception {
        PublicKey key = CertificateAuthority.newKeyPair(random).getPublic();
        return new Renewals(db, clock).renew(PeerIdentity.of(from), from, key, "192.0.2.1", "", issuer(key))
                .certificate();
    }

    /** Runs every task at once (a barrier), bounded in time; returns how many succeeded. */
    int race(List<Callable<Object>> tasks) throws Exception {
        CyclicBarrier start = new CyclicBarrier(tasks.size());
        List<Future<Object>> futures = new ArrayList<>();
        for (Callable<Object> t : tasks) {
            futures.add(pool.submit(() -> {
                start.await(30, TimeUnit.SECONDS);
                return t.call();
            }));
        }
        int ok = 0;
        for (Future<Object> f : futures) {
            try {
                f.get(60, TimeUnit.SECONDS);
                ok++;
            } catch (java.util.concurrent.ExecutionException e) {
                if (!(e.getCause() instanceof Enrollments.RefusedException)) {
                    throw e;
                }
            }
        }
        return ok;
    }

    @Test
    void theLastUseOfATokenRacedFromTwoGatewaysIsConsumedOnce() throws Exception {
        for (int round = 0; round < 10; round++) {
            EnrollmentToken t = enrollments(a).createToken("acme", 1, Duration.ofHours(1));
            List<Callable<Object>> tasks = new ArrayList<>();
            for (Database db : List.of(a, b, a, b)) {
                tasks.add(() -> enroll(db, t));
            }
            assertEquals(1, race(tasks), "round " + round);
        }
        assertEquals(10, new AgentRegistry(b, clock).list().size());
    }

    @Test
    void aFleetTokenIsUsedExactlyItsUsesUnderConcurrentEnrollmentsAtBothGateways() throws Exception {
        EnrollmentToken t = enrollments(a).createToken("acme", 25, Duration.ofHours(1));
        List<Callable<Object>> tasks = new ArrayList<>();
        for (int i = 0; i < 40; i++) {
            Database db = i % 2 == 0 ? a : b;
            tasks.add(() -> enroll(db, t));
        }
        assertEquals(25, race(tasks));
        TokenAdmin.Row row = new TokenAdmin(b, clock).list().get(0);
        assertEquals(25, row.uses());
        assertEquals(25, new AgentRegistry(a, clock).list().size());
    }

    @Test
    void theLineageLockHoldsAcrossGateways() throws Exception {
        EnrollmentToken t = enrollments(a).createToken("acme", 1, Duration.ofHours(1));
        X509Certificate first = enroll(a, t);
        X509Certificate second = renew(a, first);
        X509Certificate third = renew(a, second);
        // A copy of the first key renews at the other gateway: the agent is locked there and here.
        Renewals.RefusedException copied = assertThrows(Renewals.RefusedException.class, () -> renew(b, first));
        assertTrue(copied.getMessage().contains("is locked"), copied.getMessage());
        assertThrows(Renewals.RefusedException.class, () -> renew(a, third));
        assertEquals(AgentRegistry.LOCKED, new AgentRegistry(a, clock).list().get(0).status());
        assertEquals(Map.of(PeerIdentity.of(first).agentId(), AgentRegistry.LOCKED),
                new AgentRegistry(a, clock).denied());
    }

    @Test
    void aRevocationAtOneGatewayIsSeenByTheOtherAtItsNextRequest() throws Exception {
        EnrollmentToken t = enrollments(a).createToken("acme", 2, Duration.ofHours(1));
        X509Certificate cert = enroll(a, t);
        String agent = PeerIdentity.of(cert).agentId();
        assertTrue(new AgentRegistry(b, clock).revoke(agent));
        assertEquals(Map.of(agent, AgentRegistry.REVOKED), new AgentRegistry(a, clock).denied());
        assertThrows(Renewals.RefusedException.class, () -> renew(a, cert));
        assertTrue(new TokenAdmin(a, clock).revoke(t.id()));
        Enrollments.RefusedException refused = assertThrows(Enrollments.RefusedException.class, () -> enroll(b, t));
        assertTrue(refused.getMessage().contains("was revoked"), refused.getMessage());
    }

    @Test
    void theAuditChainAppendedConcurrentlyByBothGatewaysVerifies() throws Exception {
        List<Callable<Object>> tasks = new ArrayList<>();
        for (int i = 0; i < 8; i++) {
            Database db = i % 2 == 0 ? a : b;
            int n = i;
            tasks.add(() -> {
                AuditLog log = new AuditLog(clock);
                for (int k = 0; k < 25; k++) {
                    log.append(db, new AuditEvent(AuditEvent.AUTH_BURST, "acme", null, null, "192.0.2." + n,
                            "burst " + n + "." + k));
                }
                return null;
            });
        }
        assertEquals(8, race(tasks));
        List<AuditEntry> all = AuditLog.all(a);
        assertEquals(200, all.size());
        assertEquals(java.util.Optional.empty(), AuditVerifier.firstProblem(all));
    }

    @Test
    void theAuditLogIsAppendOnlyInTheDatabaseItself() throws Exception {
        new AuditLog(clock).append(a, new AuditEvent(AuditEvent.AUTH_BURST, "acme", null, null, "x", "one"));
        new AuditLog(clock).append(b, new AuditEvent(AuditEvent.AUTH_BURST, "acme", null, null, "x", "two"));
        Exception edit = assertThrows(Exception.class, () -> execute("UPDATE audit SET detail = 'edited' WHERE seq = 1"));
        assertTrue(String.valueOf(edit.getMessage()).contains("append-only"), edit.getMessage());
        Exception delete = assertThrows(Exception.class, () -> execute("DELETE FROM audit WHERE seq = 2"));
        assertTrue(String.valueOf(delete.getMessage()).contains("append-only"), delete.getMessage());
        assertEquals(2, AuditLog.all(b).size());
    }

    @Test
    void watermarksAreSharedAndWritesInProgressBelongToTheGatewayThatStartedThem() throws Exception {
        Watermarks atA = new Watermarks(a, clock, "gateway-a");
        Watermarks atB = new Watermarks(b, clock, "gateway-b");
        assertEquals(Map.of(), atA.of(List.of("a-1")));
        List<Watermarks.Pending> pending = atA.begin(List.of(new Position("acme/f1", 10)));
        assertEquals(1, atA.pending().size());
        assertEquals(0, atB.pending().size());
        atA.commit(pending, Map.of("a-1", new Watermarks.Mark(7, 1000)));
        assertEquals(Map.of("a-1", new Watermarks.Mark(7, 1000)), atB.of(List.of("a-1", "a-2")));
        // A lower mark from a late group never lowers it.
        atB.commit(List.of(), Map.of("a-1", new Watermarks.Mark(5, 500)));
        assertEquals(Map.of("a-1", new Watermarks.Mark(7, 1000)), atA.of(List.of("a-1")));
        atA.release();
        assertEquals(0, atA.pending().size());
    }

    @Test
    void aDatabaseMigratedByANewerGatewayIsRefusedWithAClearMessage() throws Exception {
        execute("UPDATE schema_version SET version = " + (Schema.VERSION + 1));
        IOException e = assertThrows(IOException.class, this::open);
        assertTrue(e.getMessage().contains("schema version " + (Schema.VERSION + 1) + ", newer than this gateway's "
                + Schema.VERSION), e.getMessage());
    }

    @Test
    void manyConcurrentEnrollmentsAreEachDurableAndAudited() throws Exception {
        EnrollmentToken t = enrollments(a).createToken("acme", 1000, Duration.ofHours(1));
        List<Callable<Object>> tasks = new ArrayList<>();
        for (int i = 0; i < 16; i++) {
            Database db = i % 2 == 0 ? a : b;
            tasks.add(() -> {
                for (int k = 0; k < 10; k++) {
                    enroll(db, t);
                }
                return null;
            });
        }
        assertEquals(16, race(tasks));
        a.close();
        a = open();
        assertEquals(160, new AgentRegistry(a, clock).list().size());
        List<AuditEntry> all = AuditLog.all(a);
        assertEquals(161, all.size());
        assertEquals(java.util.Optional.empty(), AuditVerifier.firstProblem(all));
    }

    @Test
    void aFailedChangeTakesBackOnlyItsOwnWork() throws Exception {
        EnrollmentToken t = enrollments(a).createToken("acme", 1, Duration.ofHours(1));
        assertThrows(IllegalStateException.class, () -> a.inTransaction(c -> {
            try (Statement s = c.createStatement()) {
                s.execute("UPDATE tokens SET uses = 1");
            }
            throw new IllegalStateException("boom");
        }));
        assertEquals(0, new TokenAdmin(b, clock).list().get(0).uses());
        assertFalse(enroll(a, t) == null);
    }

    static SQLException cause(Throwable t) {
        while (t != null && !(t instanceof SQLException)) {
            t = t.getCause();
        }
        return (SQLException) t;
    }
}
