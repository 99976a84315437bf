package dev.outpost.gateway.store;

import dev.outpost.gateway.MutableClock;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.outpost.gateway.ca.AgentIdentity;
import dev.outpost.gateway.ca.CertificateAuthority;
import dev.outpost.gateway.ca.PeerIdentity;
import dev.outpost.wire.EnrollmentToken;
import java.nio.file.Path;
import java.security.PublicKey;
import java.security.SecureRandom;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.function.Function;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Certificate lineage on a real SQLite database with a clock the test moves. */
class RenewalsTest {
    @TempDir
    Path dir;
    final SecureRandom random = new SecureRandom();
    final MutableClock clock = new MutableClock(Instant.parse("2026-11-22T10:00:00Z"));
    Database db;
    CertificateAuthority ca;
    Renewals renewals;
    X509Certificate first;
    AgentIdentity id;

    @BeforeEach
    void enroll() throws Exception {
        db = Database.open(dir.resolve("state.db"));
        ca = CertificateAuthority.generate("t", Duration.ofDays(365), clock, random);
        Enrollments enrollments = new Enrollments(db, TokenHasher.loadOrCreate(dir.resolve("pepper"), random), clock,
                random);
        EnrollmentToken t = enrollments.createToken("acme", 1, Duration.ofHours(1));
        PublicKey key = CertificateAuthority.newKeyPair(random).getPublic();
        first = enrollments.enroll(t.id(), t.secret(), "web-1", "192.0.2.1", key, issuer(key)).certificate();
        id = PeerIdentity.of(first);
        renewals = new Renewals(db, clock);
    }

    @AfterEach
    void close() throws Exception {
        db.close();
    }

    Function<AgentIdentity, X509Certificate> issuer(PublicKey key) {
        return i -> ca.issueAgent(key, i, "outpost.local", Duration.ofHours(24));
    }

    /** A renewal from {@code from} with a new key. */
    X509Certificate renew(X509Certificate from) throws Exception {
        return renew(renewals, from, CertificateAuthority.newKeyPair(random).getPublic()).certificate();
    }

    Issued renew(Renewals r, X509Certificate from, PublicKey key) throws Exception {
        return r.renew(id, from, key, "192.0.2.1", "", issuer(key));
    }

    String status() throws Exception {
        return new AgentRegistry(db, clock).list().get(0).status();
    }

    @Test
    void renewsFromTheCurrentCertificateAgainAndAgain() throws Exception {
        X509Certificate c = first;
        for (int i = 0; i < 3; i++) {
            clock.advance(Duration.ofHours(14));
            c = renew(c);
        }
        assertEquals(AgentRegistry.ACTIVE, status());
        assertEquals(c.getSerialNumber().toString(16), new AgentRegistry(db, clock).list().get(0).serial());
        List<String> kinds = AuditLog.all(db).stream().map(e -> e.event().kind()).toList();
        assertEquals(3, kinds.stream().filter(AuditEvent.AGENT_RENEW::equals).count(), kinds.toString());
    }

    @Test
    void thePreviousCertificateMayRenewForTenMinutesWhenTheAnswerWasLost() throws Exception {
        renew(first);                               // the answer never reached the agent
        clock.advance(Duration.ofMinutes(9));
        X509Certificate retried = renew(first);     // it retries with the certificate it still has
        assertEquals(AgentRegistry.ACTIVE, status());
        clock.advance(Duration.ofMinutes(11));
        Renewals.RefusedException e = assertThrows(Renewals.RefusedException.class, () -> renew(first));
        assertTrue(e.getMessage().contains("is locked"), e.getMessage());
        assertEquals(AgentRegistry.LOCKED, status());
        assertThrows(Renewals.RefusedException.class, () -> renew(retried), "a locked agent cannot renew at all");
    }

    @Test
    void aCertificateTwoGenerationsOldLocksTheAgentAndIsAudited() throws Exception {
        X509Certificate second = renew(first);
        renew(second);
        Renewals.RefusedException e = assertThrows(Renewals.RefusedException.class, () -> renew(first));
        assertEquals("agent " + id.agentId() + " is locked: this certificate (serial " + first.getSerialNumber()
                .toString(16) + ") was already renewed, so its key was copied; enroll the host again with a new token",
                e.getMessage());
        AuditEntry last = AuditLog.all(db).get(AuditLog.all(db).size() - 1);
        assertEquals(AuditEvent.AGENT_LOCK, last.event().kind());
        assertEquals(id.agentId(), last.event().agent());
    }

    @Test
    void theSameRequestAgainFromThePreviousCertificateGetsTheCertificateIssuedForItAtAnyTime() throws Exception {
        PublicKey next = CertificateAuthority.newKeyPair(random).getPublic();
        X509Certificate issued = renew(renewals, first, next).certificate(); // the answer never reached the agent
        int entries = AuditLog.all(db).size();
        clock.advance(Duration.ofHours(3));                                   // far beyond the overlap
        Issued again = renew(renewals, first, next);
        assertTrue(again.retried());
        assertEquals(issued, again.certificate());
        assertEquals(AgentRegistry.ACTIVE, status(), "the same request is not a copied key");
        assertEquals(entries, AuditLog.all(db).size(), "nothing changed, nothing audited");
        Renewals.RefusedException e = assertThrows(Renewals.RefusedException.class, () -> renew(first));
        assertTrue(e.getMessage().contains("is locked"), "another key from the previous certificate: " + e.getMessage());
    }

    @Test
    void renewalWithTheSameKeyIsRefusedUnlessTheGatewayAllowsIt() throws Exception {
        Renewals.RefusedException e = assertThrows(Renewals.RefusedException.class,
                () -> renew(renewals, first, first.getPublicKey()));
        assertEquals(400, e.status());
        assertEquals("renewal needs a new key pair: the CSR carries the key of the certificate it renews (this "
                + "gateway refuses same-key renewal: ca.same_key_renewal is refuse)", e.getMessage());
        X509Certificate second = renew(first);
        assertThrows(Renewals.RefusedException.class, () -> renew(renewals, second, first.getPublicKey()),
                "nor an earlier key of its own");
        assertEquals(AgentRegistry.ACTIVE, status());

        Renewals sameKey = new Renewals(db, clock, true);
        X509Certificate third = renew(sameKey, second, second.getPublicKey()).certificate();
        X509Certificate fourth = renew(sameKey, third, third.getPublicKey()).certificate();
        assertEquals(second.getPublicKey(), fourth.getPublicKey());
        assertThrows(Renewals.RefusedException.class, () -> renew(sameKey, second, second.getPublicKey()),
                "the lineage lock still catches a copy renewing from an older certificate");
        assertEquals(AgentRegistry.LOCKED, status());
    }

    @Test
    void aKeyCertifiedForAnotherAgentIsRefusedAndAudited() throws Exception {
        Enrollments enrollments = new Enrollments(db, TokenHasher.loadOrCreate(dir.resolve("pepper"), random), clock,
                random);
        EnrollmentToken t = enrollments.createToken("acme", 1, Duration.ofHours(1));
        PublicKey other = CertificateAuthority.newKeyPair(random).getPublic();
        enrollments.enroll(t.id(), t.secret(), "db-1", "192.0.2.2", other, issuer(other));
        Renewals.RefusedException e = assertThrows(Renewals.RefusedException.class,
                () -> renew(renewals, first, other));
        assertEquals(400, e.status());
        assertEquals("this public key is already certified for another agent; generate a new key pair",
                e.getMessage());
        AuditEntry last = AuditLog.all(db).get(AuditLog.all(db).size() - 1);
        assertEquals(AuditEvent.KEY_REUSE, last.event().kind());
        assertEquals(id.agentId(), last.event().agent());
        assertEquals(AgentRegistry.ACTIVE, status());
    }

    @Test
    void aRevokedAgentCannotRenew() throws Exception {
        assertTrue(new AgentRegistry(db, clock).revoke(id.agentId()));
        assertEquals("agent " + id.agentId() + " is revoked; enroll the host again with a new token",
                assertThrows(Renewals.RefusedException.class, () -> renew(first)).getMessage());
    }
}
