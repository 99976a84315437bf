package dev.outpost.wire;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;

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
    void badKeyFileErrorNamesTheFileButNotTheContent() throws Exception {
        Path key = dir.resolve("broken.key");
        Files.writeString(key, "-----BEGIN PRIVATE KEY-----\nc2VjcmV0LWJ5dGVz\n-----END PRIVATE KEY-----\n");
        IOException e = assertThrows(IOException.class, () -> Pem.readPrivateKey(key));
        assertEquals(key + ": not a valid PEM private key", e.getMessage());
        assertFalse(String.valueOf(e.getCause()).contains("c2VjcmV0"));
    }
}
