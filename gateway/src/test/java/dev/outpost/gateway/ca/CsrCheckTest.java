package dev.outpost.gateway.ca;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.SecureRandom;
import java.security.spec.ECGenParameterSpec;
import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.operator.jcajce.JcaContentSignerBuilder;
import org.bouncycastle.pkcs.jcajce.JcaPKCS10CertificationRequestBuilder;
import org.junit.jupiter.api.Test;

class CsrCheckTest {
    static byte[] csr(KeyPair subject, KeyPair signer, String alg, String cn) throws Exception {
        return new JcaPKCS10CertificationRequestBuilder(new X500Name("CN=" + cn), subject.getPublic())
                .build(new JcaContentSignerBuilder(alg).build(signer.getPrivate())).getEncoded();
    }

    @Test
    void acceptsP256AndKeepsAPrintableHostName() throws Exception {
        KeyPair kp = CertificateAuthority.newKeyPair(new SecureRandom());
        CsrCheck.Accepted a = CsrCheck.check(csr(kp, kp, "SHA256withECDSA", "web-1.example.com"));
        assertEquals(kp.getPublic(), a.publicKey());
        assertEquals("web-1.example.com", a.requestedName());
    }

    @Test
    void rejectionsSayWhatIsWrong() throws Exception {
        assertEquals("empty CSR: send a base64 PKCS#10 certification request",
                assertThrows(CsrCheck.BadCsrException.class, () -> CsrCheck.check(new byte[0])).getMessage());
        assertEquals("body is not a DER PKCS#10 certification request",
                assertThrows(CsrCheck.BadCsrException.class, () -> CsrCheck.check("hello".getBytes())).getMessage());
        assertEquals("CSR is 9000 bytes; at most 8192 are accepted",
                assertThrows(CsrCheck.BadCsrException.class, () -> CsrCheck.check(new byte[9000])).getMessage());

        KeyPairGenerator rsa = KeyPairGenerator.getInstance("RSA");
        rsa.initialize(2048);
        KeyPair r = rsa.generateKeyPair();
        assertEquals("CSR key is RSA; Outpost certifies EC P-256 keys only", assertThrows(CsrCheck.BadCsrException.class,
                () -> CsrCheck.check(csr(r, r, "SHA256withRSA", "h"))).getMessage());

        KeyPairGenerator p384 = KeyPairGenerator.getInstance("EC");
        p384.initialize(new ECGenParameterSpec("secp384r1"));
        KeyPair big = p384.generateKeyPair();
        assertEquals("CSR key is on an unsupported curve; use EC P-256 (secp256r1)", assertThrows(CsrCheck.BadCsrException.class,
                () -> CsrCheck.check(csr(big, big, "SHA256withECDSA", "h"))).getMessage());

        KeyPair a = CertificateAuthority.newKeyPair(new SecureRandom());
        KeyPair b = CertificateAuthority.newKeyPair(new SecureRandom());
        assertEquals("CSR signature does not verify with its own public key", assertThrows(CsrCheck.BadCsrException.class,
                () -> CsrCheck.check(csr(a, b, "SHA256withECDSA", "h"))).getMessage());
    }
}
