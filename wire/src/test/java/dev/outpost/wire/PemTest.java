package dev.outpost.wire;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyPair;
import java.security.cert.X509Certificate;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class PemTest {
    @TempDir
    Path dir;

    @Test
    void certificatesAndKeysRoundTrip() throws Exception {
        X509Certificate a = TestCerts.selfSigned("CN=a");
        X509Certificate b = TestCerts.selfSigned("CN=b");
        Path certs = dir.resolve("bundle.crt");
        Files.writeString(certs, Pem.certificates(List.of(a, b)));
        assertEquals(List.of(a, b), Pem.readCertificates(certs));

        KeyPair kp = TestCerts.ecKeyPair();
        Path key = dir.resolve("k.pem");
        Files.writeString(key, Pem.privateKey(kp.getPrivate()));
        assertArrayEquals(kp.getPrivate().getEncoded(), Pem.readPrivateKey(key).getEncoded());
    }

    @Test
    void plainFilesAreReadByTheJdkAsBouncyCastleReadsThem() throws Exception {
        X509Certificate a = TestCerts.selfSigned("CN=a,O=org");
        X509Certificate b = TestCerts.selfSigned("CN=b");
        String bundle = Pem.certificates(List.of(a, b));
        assertEquals(List.of(a, b), Pem.plainCertificates(bundle));
        assertEquals(PemBc.parseCertificates(bundle), Pem.plainCertificates(bundle));
        assertEquals(List.of(a), Pem.plainCertificates("\n" + Pem.certificates(List.of(a)).replace("\n", "\r\n") + "\n"));

        KeyPair kp = TestCerts.ecKeyPair();
        String key = Pem.privateKey(kp.getPrivate());
        assertArrayEquals(kp.getPrivate().getEncoded(), Pem.plainPrivateKey(key).getEncoded());
        assertEquals(PemBc.parsePrivateKey(new java.io.StringReader(key)), Pem.plainPrivateKey(key));
    }

    @Test
    void writtenAsBouncyCastlesPemWriterWroteItAndReadBack() throws Exception {
        X509Certificate a = TestCerts.selfSigned("CN=a,O=org");
        X509Certificate b = TestCerts.selfSigned("CN=b,O=" + "o".repeat(300));
        assertEquals(PemBc.write(a, b), Pem.certificates(List.of(a, b)));
        assertEquals(PemBc.write(a), Pem.certificates(List.of(a)));
        KeyPair kp = TestCerts.ecKeyPair();
        assertEquals(PemBc.privateKey(kp.getPrivate()), Pem.privateKey(kp.getPrivate()));
        assertEquals(PemBc.write(kp.getPublic()), Pem.publicKey(kp.getPublic()));

        KeyPair read = Pem.plainKeyPair(Pem.privateKey(kp.getPrivate()) + Pem.publicKey(kp.getPublic()));
        assertEquals(kp.getPublic(), read.getPublic());
        assertEquals(kp.getPrivate(), read.getPrivate());
        read = Pem.plainKeyPair(Pem.publicKey(kp.getPublic()) + "\n" + Pem.privateKey(kp.getPrivate()));
        assertEquals(kp.getPublic(), read.getPublic());
        assertNull(Pem.plainKeyPair(Pem.privateKey(kp.getPrivate())));
        assertNull(Pem.plainKeyPair(Pem.privateKey(kp.getPrivate()) + Pem.privateKey(kp.getPrivate())));
        assertNull(Pem.plainKeyPair(Pem.privateKey(kp.getPrivate()) + Pem.certificates(List.of(a))));
        String whole = Pem.privateKey(kp.getPrivate()) + Pem.publicKey(kp.getPublic());
        assertNull(Pem.plainKeyPair(whole.substring(0, whole.length() - 40)));
    }

    @Test
    void otherPemTextIsLeftToBouncyCastleWithTheSameResults() throws Exception {
        X509Certificate a = TestCerts.selfSigned("CN=a");
        // Text around the blocks (as `openssl x509 -text` leaves it), and another kind of block: Bouncy Castle's.
        String commented = "subject=CN = a\n" + Pem.certificates(List.of(a));
        assertNull(Pem.plainCertificates(commented));
        assertEquals(List.of(a), Pem.parseCertificates(commented));
        KeyPair kp = TestCerts.ecKeyPair();
        String mixed = Pem.privateKey(kp.getPrivate()) + Pem.certificates(List.of(a));
        assertNull(Pem.plainCertificates(mixed));
        assertEquals(List.of(a), Pem.parseCertificates(mixed));
        assertNull(Pem.plainPrivateKey(mixed));
        assertArrayEquals(kp.getPrivate().getEncoded(), Pem.parsePrivateKey(mixed).getEncoded());
        // An RSA key is not the plain form either; Bouncy Castle still reads it.
        java.security.KeyPairGenerator rsa = java.security.KeyPairGenerator.getInstance("RSA");
        rsa.initialize(1024);
        java.security.PrivateKey rsaKey = rsa.generateKeyPair().getPrivate();
        assertNull(Pem.plainPrivateKey(Pem.privateKey(rsaKey)));
        assertEquals(rsaKey, Pem.parsePrivateKey(Pem.privateKey(rsaKey)));
        // A broken block in a plain-looking file fails as before, with Bouncy Castle's message.
        Path broken = dir.resolve("broken.crt");
        Files.writeString(broken, "-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n");
        IOException e = assertThrows(IOException.class, () -> Pem.readCertificates(broken));
        assertTrue(e.getMessage().startsWith(broken + ": not a valid PEM certificate file ("), e.getMessage());
        Path empty = dir.resolve("empty.crt");
        Files.writeString(empty, "\n");
        assertEquals(empty + ": not a valid PEM certificate file (" + empty + ": no PEM certificate found)",
                assertThrows(IOException.class, () -> Pem.readCertificates(empty)).getMessage());
    }

    @Test
    void badKeyFileErrorNamesTheFileButNotTheContent() throws Exception {
        Path key = dir.resolve("broken.key");
        Files.writeString(key, "-----BEGIN PRIVATE KEY-----\nc2VjcmV0LWJ5dGVz\n-----END PRIVATE KEY-----\n");
        IOException e = assertThrows(IOException.class, () -> Pem.readPrivateKey(key));
        assertEquals(key + ": not a valid PEM private key", e.getMessage());
        assertFalse(String.valueOf(e.getCause()).contains("c2VjcmV0"));
    }
}
