package dev.outpost.gateway;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.outpost.gateway.ca.AgentIdentity;
import dev.outpost.gateway.ca.Authorities;
import dev.outpost.gateway.ca.CaFiles;
import dev.outpost.gateway.ca.CaStore;
import dev.outpost.gateway.ca.CertificateAuthority;
import dev.outpost.gateway.ca.MasterKey;
import dev.outpost.gateway.store.AuditEntry;
import dev.outpost.gateway.store.AuditEvent;
import dev.outpost.gateway.store.AuditLog;
import dev.outpost.gateway.store.Database;
import dev.outpost.gateway.store.Enrollments;
import dev.outpost.gateway.store.Rollover;
import dev.outpost.gateway.store.RolloverRecord;
import dev.outpost.gateway.store.TokenHasher;
import dev.outpost.wire.CaPin;
import dev.outpost.wire.EnrollmentToken;
import dev.outpost.wire.Pem;
import dev.outpost.wire.SecureFiles;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.PublicKey;
import java.security.SecureRandom;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The steps of a CA rollover on a real gateway directory and database, with a clock the test moves. */
class CaRolloverTest {
    static final Duration VALIDITY = Duration.ofHours(1);
    static final Duration GRACE = Duration.ofHours(2);
    static final AgentIdentity A = new AgentIdentity("acme", "a-3f9a0c1b2d4e5f60");
    final MutableClock clock = new MutableClock(Instant.parse("2026-11-22T10:00:00Z"));
    final SecureRandom random = new SecureRandom();
    @TempDir
    Path root;
    CaFiles files;
    MasterKey master;
    Database db;
    RolloverRecord record;
    CaRollover rollover;
    CertificateAuthority original;

    @BeforeEach
    void setUp() throws Exception {
        original = TestGatewayDir.createCa(root, clock, random);
        files = new CaFiles(root);
        master = MasterKey.load(root.resolve("master.key"), random);
        db = Database.open(root.resolve("state.db"));
        record = new RolloverRecord(db, clock);
        rollover = rollover();
    }

    CaRollover rollover() {
        return new CaRollover(files, master, record, VALIDITY, GRACE, clock, random);
    }

    @AfterEach
    void tearDown() throws Exception {
        db.close();
    }

    List<String> audited() throws Exception {
        return AuditLog.all(db).stream().map(e -> e.event().kind() + " " + e.event().source()).toList();
    }

    /** Enrolls an agent with a certificate from the CA that issues now, valid for {@code validity}. */
    X509Certificate enroll(Duration validity) throws Exception {
        Enrollments enrollments = new Enrollments(db, TokenHasher.loadOrCreate(root.resolve("pepper"), random), clock,
                random);
        EnrollmentToken t = enrollments.createToken("acme", 1, Duration.ofHours(1));
        PublicKey key = CertificateAuthority.newKeyPair(random).getPublic();
        return enrollments.enroll(t.id(), t.secret(), "web-1", "cli", key, id -> {
            try {
                return rollover.authorities().issuer().issueAgent(key, id, "outpost.local", validity);
            } catch (Exception e) {
                throw new IllegalStateException(e);
            }
        }).certificate();
    }

    @Test
    void withoutARolloverOneCaDoesEverything() throws Exception {
        assertFalse(rollover.advance());
        Authorities a = rollover.authorities();
        assertEquals(original.certificate(), a.issuer().certificate());
        assertEquals(List.of(original.certificate()), a.trusted());
        assertEquals(List.of(original.certificate()), a.published());
        assertEquals(List.of(original.certificate()), a.serverChainTail());
    }

    @Test
    void stagedSwitchedAndRetiredOnScheduleEachStepAudited() throws Exception {
        X509Certificate oldAgent = enroll(VALIDITY);
        assertTrue(record.request(Duration.ofMinutes(45)));
        assertTrue(rollover.advance());
        Rollover staged = record.read().orElseThrow();
        assertEquals(Rollover.Phase.STAGED, staged.phase());
        assertEquals(clock.instant().plus(Duration.ofMinutes(45)), staged.switchAt());
        assertEquals("rw-------", PosixFilePermissions.toString(Files.getPosixFilePermissions(files.nextKeyFile())));
        X509Certificate next = Pem.readCertificates(files.nextCertificateFile()).get(0);
        assertEquals(CaPin.of(next).toString(), staged.nextPin());
        assertNotEquals(original.certificate().getSubjectX500Principal(), next.getSubjectX500Principal(),
                "two CAs never share a name, or clients would confuse them");

        Authorities a = rollover.authorities();
        assertEquals(original.certificate(), a.issuer().certificate(), "the current CA still issues");
        assertEquals(List.of(original.certificate(), next), a.trusted());
        assertEquals(4, a.published().size(), "both CAs and both link certificates");
        X509Certificate newWithOld = a.published().get(2);
        newWithOld.verify(original.certificate().getPublicKey());
        assertEquals(next.getPublicKey(), newWithOld.getPublicKey());
        assertEquals(next.getSubjectX500Principal(), newWithOld.getSubjectX500Principal());
        X509Certificate oldWithNew = a.published().get(3);
        oldWithNew.verify(next.getPublicKey());
        assertEquals(original.certificate().getPublicKey(), oldWithNew.getPublicKey());
        assertEquals(List.of(original.certificate()), a.serverChainTail());

        clock.advance(Duration.ofMinutes(44));
        assertFalse(rollover.advance(), "not yet");
        clock.advance(Duration.ofMinutes(1));
        assertTrue(rollover.advance());
        Rollover switched = record.read().orElseThrow();
        assertEquals(Rollover.Phase.SWITCHED, switched.phase());
        assertEquals(clock.instant().plus(VALIDITY).plus(GRACE), switched.retireAt(),
                "one certificate lifetime after the switch, then the grace");
        assertFalse(Files.exists(files.nextCertificateFile()));
        assertEquals(next, Pem.readCertificates(files.certificateFile()).get(0));
        a = rollover.authorities();
        assertEquals(next, a.issuer().certificate(), "the next CA issues now");
        a.issuer().issueAgent(CertificateAuthority.newKeyPair(random).getPublic(), A, "outpost.local", VALIDITY)
                .verify(next.getPublicKey());
        assertEquals(List.of(next, original.certificate()), a.trusted());
        assertEquals(List.of(newWithOld, original.certificate()), a.serverChainTail(),
                "a client that trusts only the old CA follows the link to it");

        clock.set(switched.retireAt().minusMillis(1));
        assertFalse(rollover.advance(), "not yet");
        assertTrue(oldAgent.getNotAfter().toInstant().plus(GRACE).isBefore(clock.instant()));
        clock.set(switched.retireAt());
        assertTrue(rollover.advance());
        assertEquals(Optional.empty(), record.read());
        a = rollover.authorities();
        assertEquals(List.of(next), a.trusted());
        assertEquals(List.of(next), a.published());
        assertEquals(List.of(next), a.serverChainTail());
        assertFalse(Files.exists(files.previousCertificateFile()) || Files.exists(files.linksFile()));
        assertEquals(List.of("token.create cli", "agent.enroll cli", "ca.stage cli", "ca.switch gateway",
                "ca.retire gateway"), audited());
        AuditEntry retire = AuditLog.all(db).get(4);
        assertTrue(retire.event().detail().startsWith("previous CA " + CaPin.of(original.certificate()) + " retired"),
                retire.event().detail());
    }

    @Test
    void aPlannedRetirementWaitsForTheLastCertificateOfThePreviousCaAndItsGrace() throws Exception {
        assertTrue(record.request(VALIDITY));
        rollover.advance();
        X509Certificate longLived = enroll(Duration.ofHours(5)); // issued by the old CA just before the switch
        clock.advance(Duration.ofSeconds(1));
        assertTrue(record.switchNow());
        assertTrue(rollover.advance());
        assertEquals(Rollover.Phase.SWITCHED, record.read().orElseThrow().phase());
        Instant planned = record.read().orElseThrow().retireAt();
        assertEquals(longLived.getNotAfter().toInstant().plus(GRACE), planned, "its expiry, then the grace");

        try (var c = java.sql.DriverManager.getConnection("jdbc:sqlite:" + root.resolve("state.db"));
                var s = c.createStatement()) {
            s.execute("UPDATE agents SET not_after = not_after + 3600000"); // as if it had renewed late, from the old CA
        }
        clock.set(planned);
        assertFalse(rollover.advance(), "a certificate of the previous CA is still within its grace");
        assertEquals(Rollover.Phase.SWITCHED, record.read().orElseThrow().phase());
        assertTrue(record.retireNow(), "the operator may retire it anyway (an emergency)");
        assertTrue(rollover.advance());
        assertEquals(Optional.empty(), record.read());
        assertEquals(List.of("ca.stage cli", "ca.switch cli", "ca.retire cli"),
                audited().stream().filter(k -> k.startsWith("ca.")).toList(),
                "a switch and a retirement asked for are the operator's");
    }

    @Test
    void aStagedCaCanBeAbortedAndIsDiscarded() throws Exception {
        assertTrue(record.request(VALIDITY));
        rollover.advance();
        assertFalse(record.request(VALIDITY), "one rollover at a time");
        assertTrue(record.abort(files.discardNext()).isPresent());
        assertFalse(rollover.advance());
        assertEquals(Authorities.single(original).trusted(), rollover.authorities().trusted());
        assertFalse(Files.exists(files.nextCertificateFile()) || Files.exists(files.nextKeyFile())
                || Files.exists(files.linksFile()), "the next CA's files are gone");
        assertEquals(AuditEvent.CA_ABORT, AuditLog.all(db).get(AuditLog.all(db).size() - 1).event().kind());
    }

    @Test
    void aSwitchCutShortByACrashIsFinishedAtTheNextRun() throws Exception {
        assertTrue(record.request(VALIDITY));
        rollover.advance();
        X509Certificate next = Pem.readCertificates(files.nextCertificateFile()).get(0);
        // The gateway died after committing the switch and replacing the key, before the certificate.
        SecureFiles.write(files.previousCertificateFile(), Pem.certificates(List.of(original.certificate())),
                SecureFiles.PUBLIC);
        assertTrue(record.switched(clock.instant().plus(VALIDITY), "sha256:old", "gateway", "switched",
                CaStore.Alongside.NOTHING));
        SecureFiles.write(files.encryptedKeyFile(), Files.readAllBytes(files.nextKeyFile()), SecureFiles.OWNER_ONLY);

        CaRollover restarted = rollover();
        restarted.advance();
        Authorities a = restarted.authorities();
        assertEquals(next, a.issuer().certificate());
        a.issuer().issueAgent(CertificateAuthority.newKeyPair(random).getPublic(), A, "outpost.local", VALIDITY)
                .verify(next.getPublicKey());
        assertFalse(Files.exists(files.nextKeyFile()));
    }
    /** The warnings and infos of the CA logger while {@code body} runs, as their formatted messages. */
    List<String> logged(ThrowingRunnable body) throws Exception {
        ch.qos.logback.classic.Logger log = (ch.qos.logback.classic.Logger) org.slf4j.LoggerFactory.getLogger(
                "outpost.gateway.ca");
        ch.qos.logback.core.read.ListAppender<ch.qos.logback.classic.spi.ILoggingEvent> appender =
                new ch.qos.logback.core.read.ListAppender<>();
        appender.start();
        log.addAppender(appender);
        try {
            body.run();
        } finally {
            log.detachAppender(appender);
        }
        return appender.list.stream().map(e -> e.getFormattedMessage()).toList();
    }

    interface ThrowingRunnable {
        void run() throws Exception;
    }

    @Test
    void aPostponedRetirementIsSaidOnceThenHourlyNotAtEveryTry() throws Exception {
        assertTrue(record.request(VALIDITY));
        rollover.advance();
        enroll(Duration.ofHours(5));
        clock.advance(Duration.ofSeconds(1));
        assertTrue(record.switchNow());
        assertTrue(rollover.advance());
        clock.set(record.read().orElseThrow().retireAt());
        try (var c = java.sql.DriverManager.getConnection("jdbc:sqlite:" + root.resolve("state.db"));
                var s = c.createStatement()) {
            s.execute("UPDATE agents SET not_after = not_after + 10800000"); // renewed late, from the old CA
        }
        List<String> said = logged(() -> {
            for (int i = 0; i < 120; i++) { // two minutes of tries, one a second
                assertFalse(rollover.advance());
                clock.advance(Duration.ofSeconds(1));
            }
        });
        assertEquals(1, said.size(), said.toString());
        assertTrue(said.get(0).startsWith("CA rollover: retirement of CA " + record.read().orElseThrow().previousPin()
                + " postponed: 1 agent certificates it issued are still valid"), said.get(0));
        clock.advance(CaRollover.POSTPONED_REMINDER.minus(Duration.ofMinutes(2)).minusMillis(1));
        assertEquals(List.of(), logged(rollover::advance), "not before the hour is up");
        clock.advance(Duration.ofMillis(1));
        assertEquals(said, logged(rollover::advance), "once the hour is up, again");
        assertEquals(said, logged(() -> new CaRollover(files, master, record, VALIDITY, GRACE, clock, random)
                .advance()), "each gateway says it once");
    }

    @Test
    void theSwitchTimeLoggedAndAuditedIsTheStoredOne() throws Exception {
        // A clock that moves by 1.000123 ms at every read, as a real one does between the reads of a step.
        java.util.concurrent.atomic.AtomicLong nanos = new java.util.concurrent.atomic.AtomicLong(
                Instant.parse("2026-11-22T10:00:00.000456789Z").toEpochMilli() * 1_000_000 + 456_789);
        java.time.Clock ticking = new java.time.Clock() {
            @Override
            public java.time.ZoneId getZone() {
                return java.time.ZoneOffset.UTC;
            }

            @Override
            public java.time.Clock withZone(java.time.ZoneId zone) {
                return this;
            }

            @Override
            public Instant instant() {
                long n = nanos.getAndAdd(1_000_123);
                return Instant.ofEpochSecond(0, n);
            }
        };
        assertTrue(record.request(Duration.ofMinutes(45)));
        List<String> said = logged(() -> assertTrue(new CaRollover(files, master, new RolloverRecord(db, ticking),
                VALIDITY, GRACE, ticking, random).advance()));
        Instant stored = record.read().orElseThrow().switchAt();
        assertEquals(1, said.size(), said.toString());
        assertTrue(said.get(0).endsWith("switch planned at " + stored), said + " vs " + stored);
        assertTrue(AuditLog.all(db).stream().anyMatch(e -> e.event().kind().equals(AuditEvent.CA_STAGE)
                && e.event().detail().endsWith("switch planned at " + stored)), "the audit entry says the same");
    }
}
