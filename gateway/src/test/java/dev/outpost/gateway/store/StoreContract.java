package dev.outpost.gateway.store;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.outpost.gateway.CaRollover;
import dev.outpost.gateway.MutableClock;
import dev.outpost.gateway.ca.CaSnapshot;
import dev.outpost.gateway.ca.MasterKey;
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

    // The CA material and the token pepper in the database (table ca_material, sealed_secrets): what several
    // gateways on PostgreSQL share instead of copied files. Run on SQLite too: the same logical schema.

    CaRollover rollover(Database db, MasterKey master) {
        return new CaRollover(new SharedCa(db, clock), master, new RolloverRecord(db, clock), Duration.ofHours(1),
                Duration.ofHours(2), clock, random);
    }

    List<String> caRows() throws Exception {
        return a.read(c -> {
            List<String> out = new ArrayList<>();
            try (Statement s = c.createStatement(); java.sql.ResultSet rs = s.executeQuery(
                    "SELECT role, sealed_key IS NOT NULL FROM ca_material ORDER BY role")) {
                while (rs.next()) {
                    out.add(rs.getString(1) + (rs.getBoolean(2) ? "+key" : ""));
                }
            }
            return out;
        });
    }

    @Test
    void theCaOneGatewayCreatesIsLoadedByTheOtherWithTheSameMasterKeyAndIsStoredOnlySealed() throws Exception {
        MasterKey master = MasterKey.create(dir.resolve("master.key"), random);
        SharedCa atA = new SharedCa(a, clock);
        SharedCa atB = new SharedCa(b, clock);
        assertFalse(atB.exists());
        CertificateAuthority created = atA.create(master, clock, random);
        assertTrue(atB.exists());
        // Gateway B, its master key from a credential of its own (the same key), signs as A does.
        CertificateAuthority atBCa = atB.load(MasterKey.load(dir.resolve("master.key"), random), clock, random);
        assertEquals(created.certificate(), atBCa.certificate());
        PublicKey key = CertificateAuthority.newKeyPair(random).getPublic();
        atBCa.issueAgent(key, new AgentIdentity("acme", "a-3f9a0c1b2d4e5f60"), "outpost.local", Duration.ofHours(1))
                .verify(created.certificate().getPublicKey());
        assertThrows(java.nio.file.FileAlreadyExistsException.class, () -> atB.create(master, clock, random));
        assertEquals(List.of("issuing+key"), caRows());

        byte[] stored = a.read(c -> {
            try (Statement s = c.createStatement(); java.sql.ResultSet rs = s.executeQuery(
                    "SELECT sealed_key FROM ca_material WHERE role = 'issuing'")) {
                rs.next();
                return rs.getBytes(1);
            }
        });
        byte[] pkcs8 = master.open(stored, CaSnapshot.AAD);
        String storedHex = java.util.HexFormat.of().formatHex(stored);
        String scalar = java.util.HexFormat.of().formatHex(pkcs8).substring(pkcs8.length * 2 - 64);
        assertFalse(storedHex.contains(scalar), "the private key is never stored in clear");

        MasterKey other = MasterKey.create(dir.resolve("other.key"), random);
        CaSnapshot.UnsealException wrong = assertThrows(CaSnapshot.UnsealException.class,
                () -> atB.load(other, clock, random));
        assertTrue(wrong.getMessage().contains("wrong master key"), wrong.getMessage());
    }

    @Test
    void twoFirstGatewaysCreatingTheCaAtOnceMakeOne() throws Exception {
        MasterKey master = MasterKey.create(dir.resolve("master.key"), random);
        CyclicBarrier start = new CyclicBarrier(2);
        List<Future<Boolean>> tries = new ArrayList<>();
        for (Database db : List.of(a, b)) {
            tries.add(pool.submit(() -> {
                start.await(30, TimeUnit.SECONDS);
                try {
                    new SharedCa(db, clock).create(master, clock, random);
                    return true;
                } catch (java.nio.file.FileAlreadyExistsException e) {
                    return false;
                }
            }));
        }
        int created = 0;
        for (Future<Boolean> f : tries) {
            created += f.get(60, TimeUnit.SECONDS) ? 1 : 0;
        }
        assertEquals(1, created);
        assertEquals(List.of("issuing+key"), caRows());
    }

    @Test
    void eachRolloverStepIsTakenByOneGatewayAndPickedUpByTheOther() throws Exception {
        MasterKey master = MasterKey.create(dir.resolve("master.key"), random);
        CertificateAuthority original = new SharedCa(a, clock).create(master, clock, random);
        CaRollover atA = rollover(a, master);
        CaRollover atB = rollover(b, master);
        RolloverRecord cli = new RolloverRecord(b, clock);
        assertTrue(cli.request(Duration.ofMinutes(30)));
        assertEquals(1, advanceBoth(atA, atB), "one gateway stages");
        X509Certificate next = atB.authorities().trusted().get(1);
        assertEquals(atA.authorities().published(), atB.authorities().published());
        assertEquals(List.of(original.certificate(), next), atA.authorities().trusted());
        assertEquals(4, atA.authorities().published().size());
        assertEquals(List.of("issuing+key", "link_new_with_old", "link_old_with_new", "next+key"), caRows());

        assertTrue(cli.switchNow());
        assertEquals(1, advanceBoth(atA, atB), "one gateway switches");
        for (CaRollover g : List.of(atA, atB)) {
            assertEquals(next, g.authorities().issuer().certificate(), "the next CA issues at both");
            assertEquals(List.of(next, original.certificate()), g.authorities().trusted());
            assertEquals(original.certificate(), g.authorities().serverChainTail().get(1));
        }
        assertEquals(List.of("issuing+key", "link_new_with_old", "link_old_with_new", "previous"), caRows(),
                "the previous CA's key is gone: it issues nothing more");

        assertTrue(cli.retireNow());
        assertEquals(1, advanceBoth(atA, atB), "one gateway retires");
        for (CaRollover g : List.of(atA, atB)) {
            assertEquals(List.of(next), g.authorities().trusted());
            assertEquals(List.of(next), g.authorities().published());
        }
        assertEquals(List.of("issuing+key"), caRows());
        assertEquals(List.of(AuditEvent.CA_STAGE, AuditEvent.CA_SWITCH, AuditEvent.CA_RETIRE), AuditLog.all(a)
                .stream().map(e -> e.event().kind()).filter(k -> k.startsWith("ca.")).toList());
    }

    @Test
    void anAbortedStagedCaIsGoneForEveryGateway() throws Exception {
        MasterKey master = MasterKey.create(dir.resolve("master.key"), random);
        CertificateAuthority original = new SharedCa(a, clock).create(master, clock, random);
        CaRollover atA = rollover(a, master);
        RolloverRecord cli = new RolloverRecord(b, clock);
        assertTrue(cli.request(Duration.ofMinutes(30)));
        assertTrue(atA.advance());
        assertTrue(cli.abort(new SharedCa(b, clock).discardNext()).isPresent());
        assertEquals(List.of("issuing+key"), caRows());
        assertEquals(List.of(original.certificate()), rollover(b, master).authorities().published());
        assertEquals(List.of(original.certificate()), atA.authorities().published());
    }

    /** Both gateways take due steps at once, as each does every second; how many took one. */
    int advanceBoth(CaRollover atA, CaRollover atB) throws Exception {
        CyclicBarrier start = new CyclicBarrier(2);
        List<Future<Boolean>> steps = new ArrayList<>();
        for (CaRollover g : List.of(atA, atB)) {
            steps.add(pool.submit(() -> {
                start.await(30, TimeUnit.SECONDS);
                return g.advance();
            }));
        }
        int took = 0;
        for (Future<Boolean> f : steps) {
            took += f.get(60, TimeUnit.SECONDS) ? 1 : 0;
        }
        return took;
    }

    @Test
    void theTokenPepperIsMadeOnceSealedAndEachGatewayKeepsAnOwnerOnlyCopy() throws Exception {
        MasterKey master = MasterKey.create(dir.resolve("master.key"), random);
        Path gwA = java.nio.file.Files.createDirectories(dir.resolve("gw-a"));
        Path gwB = java.nio.file.Files.createDirectories(dir.resolve("gw-b"));
        TokenHasher atA = new SharedPepper(a, clock).open(master, gwA.resolve("token-pepper"), random);
        TokenHasher atB = new SharedPepper(b, clock).open(master, gwB.resolve("token-pepper"), random);
        for (Path copy : List.of(gwA.resolve("token-pepper"), gwB.resolve("token-pepper"))) {
            assertEquals("rw-------", java.nio.file.attribute.PosixFilePermissions.toString(
                    java.nio.file.Files.getPosixFilePermissions(copy)));
        }
        byte[] pepper = TokenHasher.read(gwA.resolve("token-pepper"));
        assertArrayEquals(pepper, TokenHasher.read(gwB.resolve("token-pepper")));
        // A token made at A (or by the CLI with A's copy) enrolls at B.
        EnrollmentToken t = new Enrollments(a, atA, clock, random).createToken("acme", 1, Duration.ofHours(1));
        PublicKey key = CertificateAuthority.newKeyPair(random).getPublic();
        new Enrollments(b, atB, clock, random).enroll(t.id(), t.secret(), "web", "192.0.2.1", key, issuer(key));
        assertArrayEquals(atA.hash("x"), TokenHasher.load(gwB.resolve("token-pepper")).hash("x"));

        byte[] sealed = a.read(c -> {
            try (Statement s = c.createStatement(); java.sql.ResultSet rs = s.executeQuery(
                    "SELECT sealed FROM sealed_secrets WHERE name = 'token_pepper'")) {
                rs.next();
                return rs.getBytes(1);
            }
        });
        assertFalse(java.util.HexFormat.of().formatHex(sealed).contains(java.util.HexFormat.of().formatHex(pepper)),
                "the pepper is never stored in clear");
        MasterKey other = MasterKey.create(dir.resolve("other.key"), random);
        assertThrows(dev.outpost.gateway.ca.CaSnapshot.UnsealException.class,
                () -> new SharedPepper(b, clock).read(other));
    }

    static SQLException cause(Throwable t) {
        while (t != null && !(t instanceof SQLException)) {
            t = t.getCause();
        }
        return (SQLException) t;
    }
}
