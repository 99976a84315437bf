package dev.outpost.agent.tls;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.outpost.wire.Pem;
import dev.outpost.wire.SecureFiles;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import javax.net.ssl.SSLException;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A renewed certificate is staged on disk and presented at once, replaces the previous one only once a gateway
 * answered on it, is dropped if the gateway refuses it, and every crash point of that sequence loads sanely.
 */
class IdentityTest {
    private static final Instant T0 = Instant.parse("2026-11-22T00:00:00Z");
    @TempDir
    Path dir;
    private Credentials old;
    private Credentials renewed;

    @BeforeEach
    void enroll() throws Exception {
        TestCa ca = new TestCa();
        old = ca.credentials("a-0000000000000001", "acme", T0, T0.plusSeconds(86400));
        renewed = ca.credentials("a-0000000000000001", "acme", T0.plusSeconds(43200), T0.plusSeconds(129600));
        old.store(dir);
    }

    @Test
    void aStagedCertificateIsPresentedAtOnceAndReplacesTheOldOneOnlyOnceAnswered() throws Exception {
        Identity id = Identity.load(dir);
        var oldContext = id.context();
        AtomicInteger changes = new AtomicInteger();
        id.onChange(changes::incrementAndGet);

        id.stage(renewed);

        assertEquals(1, changes.get());
        assertEquals(renewed.serial(), id.current().serial());
        assertNotSame(oldContext, id.context());
        assertEquals("rw-------", mode("agent.key.next"));
        assertEquals(Pem.certificates(List.of(renewed.certificate())), Files.readString(dir.resolve("agent.crt.next")));
        assertEquals(Pem.certificates(List.of(old.certificate())), Files.readString(dir.resolve("agent.crt")),
                "the old certificate stays until the new one is used");

        id.answered(oldContext);
        assertTrue(Files.exists(dir.resolve("agent.crt.next")), "an answer on an old connection proves nothing");

        id.answered(id.context());
        assertFalse(id.hasStaged());
        assertEquals(Pem.certificates(List.of(renewed.certificate())), Files.readString(dir.resolve("agent.crt")));
        assertEquals(Pem.privateKey(renewed.key()), Files.readString(dir.resolve("agent.key")));
        assertEquals("rw-------", mode("agent.key"));
        assertFalse(Files.exists(dir.resolve("agent.key.next")));
        assertFalse(Files.exists(dir.resolve("agent.crt.next")));
    }

    @Test
    void aRenewedCertificateTheGatewayRefusesIsDroppedAndTheOldOneUsedAgain() throws Exception {
        Identity id = Identity.load(dir);
        var oldContext = id.context();
        AtomicInteger changes = new AtomicInteger();
        id.onChange(changes::incrementAndGet);
        id.stage(renewed);

        id.tlsRefused(id.context(), new IOException("TLS refused",
                new SSLException("Received fatal alert: bad_certificate")));

        assertEquals(2, changes.get());
        assertEquals(old.serial(), id.current().serial());
        assertSame(oldContext, id.context());
        assertFalse(Files.exists(dir.resolve("agent.key.next")));
        assertFalse(Files.exists(dir.resolve("agent.crt.next")));
        assertEquals(Pem.privateKey(old.key()), Files.readString(dir.resolve("agent.key")));
    }

    @Test
    void afterACrashACompleteStagedPairIsStillPresented() throws Exception {
        renewed.storeStaged(dir);
        Identity id = Identity.load(dir);
        assertTrue(id.hasStaged());
        assertEquals(renewed.serial(), id.current().serial());
    }

    @Test
    void afterACrashAHalfWrittenStagedPairIsDeleted() throws Exception {
        SecureFiles.write(dir.resolve("agent.key.next"), Pem.privateKey(renewed.key()), SecureFiles.OWNER_ONLY);
        Identity id = Identity.load(dir);
        assertFalse(id.hasStaged());
        assertEquals(old.serial(), id.current().serial());
        assertFalse(Files.exists(dir.resolve("agent.key.next")));
    }

    @Test
    void afterACrashAStagedCertificateWithAnotherKeyIsDeleted() throws Exception {
        renewed.storeStaged(dir);
        SecureFiles.write(dir.resolve("agent.key.next"), Pem.privateKey(old.key()), SecureFiles.OWNER_ONLY);
        Identity id = Identity.load(dir);
        assertEquals(old.serial(), id.current().serial());
        assertFalse(Files.exists(dir.resolve("agent.crt.next")));
    }

    @Test
    void afterACrashInThePromotionTheRenewedPairIsFinished() throws Exception {
        renewed.storeStaged(dir);
        // The promotion wrote the new key and died before the new certificate.
        SecureFiles.write(dir.resolve("agent.key"), Pem.privateKey(renewed.key()), SecureFiles.OWNER_ONLY);
        Identity id = Identity.load(dir);
        assertFalse(id.hasStaged());
        assertEquals(renewed.serial(), id.current().serial());
        assertEquals(Pem.certificates(List.of(renewed.certificate())), Files.readString(dir.resolve("agent.crt")));
        assertFalse(Files.exists(dir.resolve("agent.key.next")));
    }

    @Test
    void aKeyThatDoesNotBelongToTheCertificateIsAClearError() throws Exception {
        SecureFiles.write(dir.resolve("agent.key"), Pem.privateKey(renewed.key()), SecureFiles.OWNER_ONLY);
        IOException e = assertThrows(IOException.class, () -> Identity.load(dir));
        assertEquals(dir.resolve("agent.key") + " does not belong to " + dir.resolve("agent.crt")
                + "; enroll again with a new token: outpost-agent enroll --force --server URL --ca-sha256 PIN "
                + "--token-file FILE", e.getMessage());
    }

    private String mode(String file) throws IOException {
        return PosixFilePermissions.toString(Files.getPosixFilePermissions(dir.resolve(file)));
    }

    @Test
    void aNewTrustBundleIsWrittenFirstThenUsedByNewConnectionsOfTheActiveAndTheStagedCertificate() throws Exception {
        Identity id = Identity.load(dir);
        id.stage(renewed);
        var before = id.context();
        assertFalse(id.trust(List.of(old.trustBundle().get(0))), "the same CAs: nothing to do");
        assertSame(before, id.context());

        RolloverCas cas = new RolloverCas();
        List<java.security.cert.X509Certificate> bundle = List.of(old.trustBundle().get(0), cas.fresh);
        assertTrue(id.trust(bundle));
        assertNotSame(before, id.context());
        assertEquals(bundle, id.current().trustBundle(), "the staged certificate trusts it");
        assertEquals(Pem.certificates(bundle), Files.readString(dir.resolve("ca.crt")));
        assertEquals("rw-r--r--", mode("ca.crt"));
        id.answered(id.context());
        assertEquals(bundle, Identity.load(dir).current().trustBundle(), "and so does the next start");
    }
}
