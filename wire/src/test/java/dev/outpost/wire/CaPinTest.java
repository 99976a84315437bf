package dev.outpost.wire;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.security.MessageDigest;
import java.security.cert.X509Certificate;
import java.util.HexFormat;
import org.junit.jupiter.api.Test;

class CaPinTest {
    @Test
    void pinIsSha256OfSubjectPublicKeyInfo() throws Exception {
        X509Certificate cert = TestCerts.selfSigned("CN=pin-test");
        byte[] spki = cert.getPublicKey().getEncoded();
        String expected = "sha256:" + HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(spki));
        assertEquals(expected, CaPin.of(cert).toString());
        assertTrue(CaPin.parse(expected.toUpperCase().replace("SHA256:", "  ")).matches(cert));
    }

    @Test
    void otherKeyDoesNotMatch() throws Exception {
        X509Certificate a = TestCerts.selfSigned("CN=a");
        X509Certificate b = TestCerts.selfSigned("CN=b");
        assertFalse(CaPin.of(a).matches(b));
    }

    @Test
    void malformedPinIsRejectedWithTheValueAndTheFix() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> CaPin.parse("sha256:abc"));
        assertEquals("CA pin \"sha256:abc\" is not of the form sha256:<64 hex digits>; "
                + "print it with `outpost-gateway pin`", e.getMessage());
    }
}
