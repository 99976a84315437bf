package dev.outpost.gateway.store;

import dev.outpost.gateway.MutableClock;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.outpost.gateway.ca.AgentIdentity;
import dev.outpost.gateway.ca.CertificateAuthority;
import dev.outpost.wire.EnrollmentToken;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.KeyPair;
import java.security.SecureRandom;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Function;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class EnrollmentsTest {
    @TempDir
    Path dir;
    final SecureRandom random = new SecureRandom();
    final MutableClock clock = new MutableClock(Instant.parse("2026-11-22T10:00:00Z"));
    Database db;
    Enrollments enrollments;
    CertificateAuthority ca;
    KeyPair agentKey;
    final List<AgentIdentity> issued = new ArrayList<>();

    @BeforeEach
    void open() throws Exception {
        db = Database.open(dir.resolve("state.db"));
        enrollments = new Enrollments(db, TokenHasher.loadOrCreate(dir.resolve("pepper"), random), clock, random);
        ca = CertificateAuthority.generate("t", Duration.ofDays(365), clock, random);
        agentKey = CertificateAuthority.newKeyPair(random);
    }

    @AfterEach
    void close() throws Exception {
        db.close();
    }

    Function<AgentIdentity, X509Certificate> issuer() {
        return id -> {
            issued.add(id);
            return ca.issueAgent(agentKey.getPublic(), id, "outpost.local", Duration.ofHours(24));
        };
    }

    @Test
    void theSecretIsNeverStoredOnlyItsHmac() throws Exception {
        EnrollmentToken t = enrollments.createToken("acme", 1, Duration.ofHours(1));
        db.close();
        byte[] all = Files.readAllBytes(dir.resolve("state.db"));
        for (Path p : List.of(dir.resolve("state.db-wal"))) {
            if (Files.exists(p)) {
                all = concat(all, Files.readAllBytes(p));
            }
        }
        String text = new String(all, StandardCharsets.ISO_8859_1);
        assertTrue(text.contains(t.id()), "the id is stored");
        assertFalse(text.contains(t.secret()), "the secret is not");
        assertEquals("rw-------", PosixFilePermissions.toString(Files.getPosixFilePermissions(dir.resolve("state.db"))));
        assertEquals("rw-------", PosixFilePermissions.toString(Files.getPosixFilePermissions(dir.resolve("pepper"))));
        db = Database.open(dir.resolve("state.db"));
    }

    @Test
    void theSecretAppearsNowhereInTheStateAfterCreateEnrollRevokeAndABurstNotEvenInTheAuditLog() throws Exception {
        EnrollmentToken t = enrollments.createToken("acme", 2, Duration.ofHours(1));
        enrollments.enroll(t.id(), t.secret(), "web-1", "192.0.2.7", issuer());
        enrollments.recordBurst(t.id(), "192.0.2.7", "burst of failed authentication: token " + t.id() + " is limited");
        assertTrue(new TokenAdmin(db, clock).revoke(t.id()));
        assertTrue(new AgentRegistry(db, clock).revoke(issued.get(0).agentId()));
        List<String> kinds = AuditLog.all(db).stream().map(e -> e.event().kind()).toList();
        assertEquals(List.of("token.create", "agent.enroll", "auth.burst", "token.revoke", "agent.revoke"), kinds);
        for (AuditEntry e : AuditLog.all(db)) {
            assertFalse(e.format().contains(t.secret()), e.format());
        }
        db.close();
        byte[] all = Files.readAllBytes(dir.resolve("state.db"));
        for (Path p : List.of(dir.resolve("state.db-wal"), dir.resolve("state.db-shm"))) {
            if (Files.exists(p)) {
                all = concat(all, Files.readAllBytes(p));
            }
        }
        String text = new String(all, StandardCharsets.ISO_8859_1);
        assertTrue(text.contains("token.revoke"), "the audit log is in the file that was searched");
        assertFalse(text.contains(t.secret()), "the secret is not");
        assertFalse(text.contains(t.reveal()), "nor the whole token");
        db = Database.open(dir.resolve("state.db"));
    }

    @Test
    void aOneUseTokenEnrollsOnceThenSaysItIsUsedUp() throws Exception {
        EnrollmentToken t = enrollments.createToken("acme", 1, Duration.ofHours(1));
        X509Certificate cert = enrollments.enroll(t.id(), t.secret(), "web-1", issuer());
        assertEquals("O=acme", cert.getSubjectX500Principal().getName().replaceAll("CN=[^,]+,", ""));
        Enrollments.RefusedException e = assertThrows(Enrollments.RefusedException.class,
                () -> enrollments.enroll(t.id(), t.secret(), "web-2", issuer()));
        assertEquals("token " + t + " is used up (1 of 1 uses); create a new one with "
                + "`outpost-gateway token create --uses N`", e.getMessage());
        assertEquals(1, issued.size());
    }

    @Test
    void fleetTokenEnrollsManyHostsWithDistinctIds() throws Exception {
        EnrollmentToken t = enrollments.createToken("fleet", 3, Duration.ofHours(1));
        for (int i = 0; i < 3; i++) {
            enrollments.enroll(t.id(), t.secret(), "host-" + i, issuer());
        }
        assertEquals(3, issued.stream().map(AgentIdentity::agentId).distinct().count());
        assertThrows(Enrollments.RefusedException.class, () -> enrollments.enroll(t.id(), t.secret(), "h", issuer()));
    }

    @Test
    void unknownIdAndWrongSecretGetTheSameAnswer() throws Exception {
        EnrollmentToken t = enrollments.createToken("acme", 1, Duration.ofHours(1));
        String wrong = assertThrows(Enrollments.RefusedException.class,
                () -> enrollments.enroll(t.id(), "0".repeat(48), "h", issuer())).getMessage();
        String unknown = assertThrows(Enrollments.RefusedException.class,
                () -> enrollments.enroll("000000000000", t.secret(), "h", issuer())).getMessage();
        assertEquals("unknown enrollment token or wrong secret", wrong);
        assertEquals(wrong, unknown);
        // the token is still usable: failed attempts do not consume it
        enrollments.enroll(t.id(), t.secret(), "h", issuer());
    }

    @Test
    void expiredTokenIsRefusedNamingTheTime() throws Exception {
        EnrollmentToken t = enrollments.createToken("acme", 1, Duration.ofHours(1));
        clock.advance(Duration.ofHours(1));
        assertEquals("token " + t + " expired at 2026-11-22T11:00:00Z; create a new one with `outpost-gateway token create`",
                assertThrows(Enrollments.RefusedException.class,
                        () -> enrollments.enroll(t.id(), t.secret(), "h", issuer())).getMessage());
    }

    @Test
    void aFailedIssueConsumesNoUse() throws Exception {
        EnrollmentToken t = enrollments.createToken("acme", 1, Duration.ofHours(1));
        assertThrows(IllegalStateException.class, () -> enrollments.enroll(t.id(), t.secret(), "h", id -> {
            throw new IllegalStateException("signer down");
        }));
        enrollments.enroll(t.id(), t.secret(), "h", issuer());
    }

    @Test
    void badTokenArgumentsNameTheValue() {
        assertEquals("--uses 0 is out of range; use 1 to 1000000", assertThrows(IllegalArgumentException.class,
                () -> enrollments.createToken("acme", 0, Duration.ofHours(1))).getMessage());
    }

    private static byte[] concat(byte[] a, byte[] b) {
        byte[] out = java.util.Arrays.copyOf(a, a.length + b.length);
        System.arraycopy(b, 0, out, a.length, b.length);
        return out;
    }
}
