package dev.outpost.gateway.ca;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.SecureRandom;
import java.nio.charset.StandardCharsets;
import java.security.spec.ECGenParameterSpec;
import java.util.EnumSet;
import java.util.Set;
import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.operator.jcajce.JcaContentSignerBuilder;
import org.bouncycastle.pkcs.jcajce.JcaPKCS10CertificationRequestBuilder;
import org.junit.jupiter.api.Test;

class CsrCheckTest {
    /** The default policy: EC P-256 and P-384. */
    static final Set<KeyType> EC = EnumSet.of(KeyType.EC_P256, KeyType.EC_P384);

    static byte[] csr(KeyPair subject, KeyPair signer, String alg, String cn) throws Exception {
        return new JcaPKCS10CertificationRequestBuilder(new X500Name("CN=" + cn), subject.getPublic())
                .build(new JcaContentSignerBuilder(alg).build(signer.getPrivate())).getEncoded();
    }

    @Test
    void acceptsP256AndKeepsAPrintableHostName() throws Exception {
        KeyPair kp = CertificateAuthority.newKeyPair(new SecureRandom());
        CsrCheck.Accepted a = CsrCheck.check(csr(kp, kp, "SHA256withECDSA", "web-1.example.com"), EC);
        assertEquals(kp.getPublic(), a.publicKey());
        assertEquals("web-1.example.com", a.requestedName());
    }

    @Test
    void rejectionsSayWhatIsWrong() throws Exception {
        assertEquals("empty CSR: send a base64 PKCS#10 certification request",
                assertThrows(CsrCheck.BadCsrException.class, () -> CsrCheck.check(new byte[0], EC)).getMessage());
        assertEquals("body is not a DER PKCS#10 certification request",
                assertThrows(CsrCheck.BadCsrException.class, () -> CsrCheck.check("hello".getBytes(), EC)).getMessage());
        assertEquals("CSR is 9000 bytes; at most 8192 are accepted",
                assertThrows(CsrCheck.BadCsrException.class, () -> CsrCheck.check(new byte[9000], EC)).getMessage());

        KeyPairGenerator rsa = KeyPairGenerator.getInstance("RSA");
        rsa.initialize(2048);
        KeyPair r = rsa.generateKeyPair();
        assertEquals("CSR key is RSA of 2048 bits; this gateway certifies EC P-256 or EC P-384 keys (see "
                + "/.well-known/est/csrattrs)", assertThrows(CsrCheck.BadCsrException.class,
                () -> CsrCheck.check(csr(r, r, "SHA256withRSA", "h"), EC)).getMessage());
        assertEquals("CSR key is RSA of 2048 bits; this gateway certifies EC P-256 or RSA of 3072 to 8192 bits keys "
                + "(see /.well-known/est/csrattrs)", assertThrows(CsrCheck.BadCsrException.class,
                () -> CsrCheck.check(csr(r, r, "SHA256withRSA", "h"), EnumSet.of(KeyType.EC_P256, KeyType.RSA)))
                .getMessage());

        KeyPairGenerator p384 = KeyPairGenerator.getInstance("EC");
        p384.initialize(new ECGenParameterSpec("secp384r1"));
        KeyPair big = p384.generateKeyPair();
        assertEquals(big.getPublic(), CsrCheck.check(csr(big, big, "SHA384withECDSA", "h"), EC).publicKey());
        assertEquals("CSR key is EC P-384; this gateway certifies EC P-256 keys (see /.well-known/est/csrattrs)",
                assertThrows(CsrCheck.BadCsrException.class, () -> CsrCheck.check(csr(big, big, "SHA256withECDSA",
                        "h"), EnumSet.of(KeyType.EC_P256))).getMessage());
        // secp256k1: 256 bits like P-256, another curve (the JDK no longer makes such keys; Bouncy Castle does)
        KeyPairGenerator k1 = KeyPairGenerator.getInstance("EC", new org.bouncycastle.jce.provider.BouncyCastleProvider());
        k1.initialize(new ECGenParameterSpec("secp256k1"));
        KeyPair bitcoin = k1.generateKeyPair();
        assertEquals("CSR key is EC on another curve than P-256 and P-384; this gateway certifies EC P-256 or EC P-384 "
                + "keys (see /.well-known/est/csrattrs)", assertThrows(CsrCheck.BadCsrException.class,
                () -> CsrCheck.check(new JcaPKCS10CertificationRequestBuilder(new X500Name("CN=h"), bitcoin.getPublic())
                        .build(new JcaContentSignerBuilder("SHA256withECDSA").setProvider(
                                new org.bouncycastle.jce.provider.BouncyCastleProvider()).build(bitcoin.getPrivate()))
                        .getEncoded(), EC)).getMessage());

        KeyPair a = CertificateAuthority.newKeyPair(new SecureRandom());
        KeyPair b = CertificateAuthority.newKeyPair(new SecureRandom());
        assertEquals("CSR signature does not verify with its own public key", assertThrows(CsrCheck.BadCsrException.class,
                () -> CsrCheck.check(csr(a, b, "SHA256withECDSA", "h"), EC)).getMessage());
    }

    /**
     * The proof of possession is checked by Bouncy Castle, not the JDK (CPU): every signature algorithm accepted
     * verifies, for EC and RSA keys, and the same CSR with one byte of its subject changed is refused.
     */
    @Test
    void everyAcceptedSignatureVerifiesAndATamperedCsrIsRefused() throws Exception {
        KeyPair ec = CertificateAuthority.newKeyPair(new SecureRandom());
        KeyPairGenerator rsa = KeyPairGenerator.getInstance("RSA");
        rsa.initialize(KeyType.MIN_RSA_BITS);
        KeyPair r = rsa.generateKeyPair();
        record Case(KeyPair key, String alg, Set<KeyType> accepted) {
        }
        for (Case c : java.util.List.of(new Case(ec, "SHA256withECDSA", EC), new Case(ec, "SHA384withECDSA", EC),
                new Case(ec, "SHA512withECDSA", EC), new Case(r, "SHA256withRSA", EnumSet.of(KeyType.RSA)),
                new Case(r, "SHA384withRSA", EnumSet.of(KeyType.RSA)), new Case(r, "SHA512withRSA",
                        EnumSet.of(KeyType.RSA)), new Case(r, "SHA256withRSAandMGF1", EnumSet.of(KeyType.RSA)))) {
            // Signed by the JDK, which the checker does not use; the JDK has no RSASSA-PSS signer for Bouncy Castle's
            // builder, so that one is signed by Bouncy Castle.
            JcaContentSignerBuilder signer = new JcaContentSignerBuilder(c.alg());
            if (c.alg().endsWith("MGF1")) {
                signer.setProvider(new org.bouncycastle.jce.provider.BouncyCastleProvider());
            }
            byte[] der = new JcaPKCS10CertificationRequestBuilder(new X500Name("CN=host-a"), c.key().getPublic())
                    .build(signer.build(c.key().getPrivate())).getEncoded();
            CsrCheck.Accepted a = CsrCheck.check(der, c.accepted());
            assertEquals(c.key().getPublic(), a.publicKey(), c.alg());
            assertEquals("host-a", a.requestedName(), c.alg());
            byte[] tampered = replace(der, "host-a", "host-b");
            assertEquals("CSR signature does not verify with its own public key", assertThrows(
                    CsrCheck.BadCsrException.class, () -> CsrCheck.check(tampered, c.accepted()), c.alg())
                    .getMessage(), c.alg());
        }
    }

    /** {@code der} with the one occurrence of ASCII {@code from} replaced by {@code to} (same length). */
    private static byte[] replace(byte[] der, String from, String to) {
        byte[] f = from.getBytes(StandardCharsets.US_ASCII);
        byte[] out = der.clone();
        for (int i = 0; i + f.length <= der.length; i++) {
            if (java.util.Arrays.equals(der, i, i + f.length, f, 0, f.length)) {
                System.arraycopy(to.getBytes(StandardCharsets.US_ASCII), 0, out, i, f.length);
                return out;
            }
        }
        throw new AssertionError(from + " is not in the CSR");
    }

    /**
     * Found by fuzzing (EstRequestFuzzTest): a CSR whose ECDSA signature is not a DER ECDSA-Sig-Value made the
     * verifier throw a RuntimeException, which the EST handler answered 500 with a stack trace in the log, for
     * anyone sending a Basic header (the CSR is checked before the token).
     */
    @Test
    void aSignatureThatIsNotDerIsRefusedNotThrown() throws Exception {
        KeyPair a = CertificateAuthority.newKeyPair(new SecureRandom());
        var csr = org.bouncycastle.asn1.pkcs.CertificationRequest.getInstance(csr(a, a, "SHA256withECDSA", "h"));
        byte[] garbled = new org.bouncycastle.asn1.pkcs.CertificationRequest(csr.getCertificationRequestInfo(),
                csr.getSignatureAlgorithm(), new org.bouncycastle.asn1.DERBitString(new byte[] {3, 72, 0x30, 0x46, 3}))
                .getEncoded();
        assertEquals("CSR signature is not a valid ecdsa-with-SHA256 signature",
                assertThrows(CsrCheck.BadCsrException.class, () -> CsrCheck.check(garbled, EC)).getMessage());
    }

    /**
     * ECDSA on P-256 and P-384 is verified with Bouncy Castle's signer directly (not through its JCA provider): it
     * accepts exactly what the JDK's verifier accepts, for valid signatures with each digest, the other valid s
     * (n - s), r or s out of range, BER instead of DER, every single-bit flip of the signature, and a changed subject.
     */
    @Test
    void ecdsaProofOfPossessionAgreesWithTheJdkOnAlteredSignatures() throws Exception {
        KeyPairGenerator p384 = KeyPairGenerator.getInstance("EC");
        p384.initialize(new ECGenParameterSpec("secp384r1"));
        int checked = 0;
        for (KeyPair kp : java.util.List.of(CertificateAuthority.newKeyPair(new SecureRandom()), p384.generateKeyPair())) {
            java.math.BigInteger n = ((java.security.interfaces.ECPublicKey) kp.getPublic()).getParams().getOrder();
            for (String alg : java.util.List.of("SHA256withECDSA", "SHA384withECDSA", "SHA512withECDSA")) {
                var csr = org.bouncycastle.asn1.pkcs.CertificationRequest.getInstance(csr(kp, kp, alg, "host-a"));
                byte[] sig = csr.getSignature().getOctets();
                var rs = org.bouncycastle.asn1.ASN1Sequence.getInstance(sig);
                java.math.BigInteger r = org.bouncycastle.asn1.ASN1Integer.getInstance(rs.getObjectAt(0)).getValue();
                java.math.BigInteger sv = org.bouncycastle.asn1.ASN1Integer.getInstance(rs.getObjectAt(1)).getValue();
                java.util.List<byte[]> variants = new java.util.ArrayList<>(java.util.List.of(sig, der(r, n.subtract(sv)),
                        der(java.math.BigInteger.ZERO, sv), der(r, java.math.BigInteger.ZERO), der(n, sv), der(r, n),
                        der(r.add(n), sv), der(r, sv.add(n)), ber(sig)));
                for (int bit = 0; bit < sig.length * 8; bit++) {
                    byte[] flipped = sig.clone();
                    flipped[bit / 8] ^= (byte) (1 << (bit % 8));
                    variants.add(flipped);
                }
                for (byte[] v : variants) {
                    byte[] der = new org.bouncycastle.asn1.pkcs.CertificationRequest(csr.getCertificationRequestInfo(),
                            csr.getSignatureAlgorithm(), new org.bouncycastle.asn1.DERBitString(v)).getEncoded();
                    boolean jdk = jdkVerifies(alg, kp, csr.getCertificationRequestInfo().getEncoded("DER"), v);
                    boolean accepted;
                    try {
                        accepted = CsrCheck.check(der, EC).publicKey().equals(kp.getPublic());
                    } catch (CsrCheck.BadCsrException e) {
                        accepted = false;
                    }
                    assertEquals(jdk, accepted, alg + " on " + n.bitLength() + " bits, signature "
                            + java.util.HexFormat.of().formatHex(v));
                    checked += jdk ? 1 : 0;
                }
                byte[] tampered = replace(csr.getEncoded(), "host-a", "host-b");
                assertThrows(CsrCheck.BadCsrException.class, () -> CsrCheck.check(tampered, EC), alg);
            }
        }
        assertEquals(12, checked, "valid signatures: each key and digest, s and n - s");
    }

    private static boolean jdkVerifies(String alg, KeyPair kp, byte[] signed, byte[] sig) {
        try {
            java.security.Signature v = java.security.Signature.getInstance(alg, "SunEC");
            v.initVerify(kp.getPublic());
            v.update(signed);
            return v.verify(sig);
        } catch (java.security.GeneralSecurityException e) {
            return false;
        }
    }

    private static byte[] der(java.math.BigInteger r, java.math.BigInteger s) throws java.io.IOException {
        return new org.bouncycastle.asn1.DERSequence(new org.bouncycastle.asn1.ASN1Encodable[] {
            new org.bouncycastle.asn1.ASN1Integer(r), new org.bouncycastle.asn1.ASN1Integer(s)}).getEncoded("DER");
    }

    /** The same ECDSA-Sig-Value with its outer length in long form (BER, not DER). */
    private static byte[] ber(byte[] der) {
        byte[] out = new byte[der.length + 1];
        out[0] = der[0];
        out[1] = (byte) 0x81;
        System.arraycopy(der, 1, out, 2, der.length - 1);
        return out;
    }
}
