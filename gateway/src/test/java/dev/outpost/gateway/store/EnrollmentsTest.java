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
import java.security.PublicKey;
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

    Function<AgentIdentity, X509Certificate> issuer(PublicKey key) {
        return id -> {
            issued.add(id);
            return ca.issueAgent(key, id, "outpost.local", Duration.ofHours(24));
        };
    }

    /** Enrolls with {@code key}, as the EST handler does. */
    Issued enroll(String tokenId, String secret, String host, PublicKey key) throws Exception {
        return enrollments.enroll(tokenId, secret, host, "192.0.2.7", key, issuer(key));
    }

    /** Enrolls with a new key; returns the certificate. */
    X509Certificate enroll(String tokenId, String secret, String host) throws Exception {
        return enroll(tokenId, secret, host, CertificateAuthority.newKeyPair(random).getPublic()).certificate();
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
        enroll(t.id(), t.secret(), "web-1");
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
        X509Certificate cert = enroll(t.id(), t.secret(), "web-1");
        assertEquals("O=acme", cert.getSubjectX500Principal().getName().replaceAll("CN=[^,]+,", ""));
        Enrollments.RefusedException e = assertThrows(Enrollments.RefusedException.class,
                () -> enroll(t.id(), t.secret(), "web-2"));
        assertEquals("token " + t + " is used up (1 of 1 uses); create a new one with "
                + "`outpost-gateway token create --uses N`", e.getMessage());
        assertEquals(1, issued.size());
    }

    @Test
    void fleetTokenEnrollsManyHostsWithDistinctIds() throws Exception {
        EnrollmentToken t = enrollments.createToken("fleet", 3, Duration.ofHours(1));
        for (int i = 0; i < 3; i++) {
            enroll(t.id(), t.secret(), "host-" + i);
        }
        assertEquals(3, issued.stream().map(AgentIdentity::agentId).distinct().count());
        assertThrows(Enrollments.RefusedException.class, () -> enroll(t.id(), t.secret(), "h"));
    }

    @Test
    void unknownIdAndWrongSecretGetTheSameAnswer() throws Exception {
        EnrollmentToken t = enrollments.createToken("acme", 1, Duration.ofHours(1));
        String wrong = assertThrows(Enrollments.RefusedException.class,
                () -> enroll(t.id(), "0".repeat(48), "h")).getMessage();
        String unknown = assertThrows(Enrollments.RefusedException.class,
                () -> enroll("000000000000", t.secret(), "h")).getMessage();
        assertEquals("unknown enrollment token or wrong secret", wrong);
        assertEquals(wrong, unknown);
        // the token is still usable: failed attempts do not consume it
        enroll(t.id(), t.secret(), "h");
    }

    @Test
    void expiredTokenIsRefusedNamingTheTime() throws Exception {
        EnrollmentToken t = enrollments.createToken("acme", 1, Duration.ofHours(1));
        clock.advance(Duration.ofHours(1));
        assertEquals("token " + t + " expired at 2026-11-22T11:00:00Z; create a new one with `outpost-gateway token create`",
                assertThrows(Enrollments.RefusedException.class,
                        () -> enroll(t.id(), t.secret(), "h")).getMessage());
    }

    @Test
    void aFailedIssueConsumesNoUse() throws Exception {
        EnrollmentToken t = enrollments.createToken("acme", 1, Duration.ofHours(1));
        assertThrows(IllegalStateException.class, () -> enrollments.enroll(t.id(), t.secret(), "h", "192.0.2.7",
                agentKey.getPublic(), id -> {
                    throw new IllegalStateException("signer down");
                }));
        enroll(t.id(), t.secret(), "h");
    }

    @Test
    void theSameRequestAgainGetsTheCertificateAlreadyIssuedAndConsumesNoUse() throws Exception {
        EnrollmentToken t = enrollments.createToken("acme", 1, Duration.ofHours(1));
        Issued first = enroll(t.id(), t.secret(), "web-1", agentKey.getPublic());
        assertFalse(first.retried());
        clock.advance(Duration.ofMinutes(30));
        Issued again = enroll(t.id(), t.secret(), "web-1", agentKey.getPublic());
        assertTrue(again.retried(), "the answer to the first try was lost; this is the same request");
        assertEquals(first.certificate(), again.certificate());
        assertEquals(1, new AgentRegistry(db, clock).list().size());
        assertEquals(List.of("token.create", "agent.enroll"),
                AuditLog.all(db).stream().map(e -> e.event().kind()).toList());
        assertThrows(Enrollments.RefusedException.class, () -> enroll(t.id(), t.secret(), "web-2"),
                "a new key is a new host: the one use is gone");
    }

    @Test
    void aKeyCertifiedForOneAgentIsRefusedForAnotherUntilThatOneIsRevoked() throws Exception {
        EnrollmentToken acme = enrollments.createToken("acme", 1, Duration.ofHours(1));
        AgentIdentity holder = dev.outpost.gateway.ca.PeerIdentity.of(
                enroll(acme.id(), acme.secret(), "web-1", agentKey.getPublic()).certificate());
        EnrollmentToken globex = enrollments.createToken("globex", 1, Duration.ofHours(1));
        Enrollments.RefusedException e = assertThrows(Enrollments.RefusedException.class,
                () -> enroll(globex.id(), globex.secret(), "copy", agentKey.getPublic()));
        assertEquals(400, e.status());
        assertEquals("this public key is already certified for agent " + holder.agentId() + "; generate a new key "
                + "pair for this host (or revoke " + holder.agentId() + " first)", e.getMessage());
        AuditEntry reuse = AuditLog.all(db).get(AuditLog.all(db).size() - 1);
        assertEquals(AuditEvent.KEY_REUSE, reuse.event().kind());
        assertEquals("globex", reuse.event().org());
        assertEquals(holder.agentId(), reuse.event().agent());

        assertTrue(new AgentRegistry(db, clock).revoke(holder.agentId()));
        Issued again = enroll(globex.id(), globex.secret(), "web-1", agentKey.getPublic());
        assertFalse(again.retried(), "the refused try consumed no use, and a revoked agent's key is free");
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
