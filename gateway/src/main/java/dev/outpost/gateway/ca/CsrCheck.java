package dev.outpost.gateway.ca;

import java.io.IOException;
import java.security.PublicKey;
import java.security.interfaces.ECPublicKey;
import org.bouncycastle.operator.OperatorCreationException;
import org.bouncycastle.operator.jcajce.JcaContentVerifierProviderBuilder;
import org.bouncycastle.pkcs.PKCSException;
import org.bouncycastle.pkcs.jcajce.JcaPKCS10CertificationRequest;

/**
 * Checks a PKCS#10 CSR before anything is issued: it must parse, carry an EC P-256 key and be signed by that
 * key (proof of possession). Every rejection says what is wrong in words an operator can act on.
 */
public final class CsrCheck {
    /** Upper bound on a DER CSR; a P-256 CSR is about 300 bytes. */
    public static final int MAX_CSR_BYTES = 8192;

    private CsrCheck() {
    }

    /** A CSR that passed the checks: the key to certify and the subject CN the host suggested (may be empty). */
    public record Accepted(PublicKey publicKey, String requestedName) {
    }

    /** Thrown with a message fit for the 400 response body. */
    public static final class BadCsrException extends Exception {
        private static final long serialVersionUID = 1L;

        public BadCsrException(String message) {
            super(message, null, false, false);
        }
    }

    public static Accepted check(byte[] der) throws BadCsrException {
        if (der.length == 0) {
            throw new BadCsrException("empty CSR: send a base64 PKCS#10 certification request");
        }
        if (der.length > MAX_CSR_BYTES) {
            throw new BadCsrException("CSR is " + der.length + " bytes; at most " + MAX_CSR_BYTES + " are accepted");
        }
        JcaPKCS10CertificationRequest csr;
        PublicKey key;
        try {
            csr = new JcaPKCS10CertificationRequest(der);
            key = csr.getPublicKey();
        } catch (IOException | RuntimeException | java.security.GeneralSecurityException e) {
            throw new BadCsrException("body is not a DER PKCS#10 certification request");
        }
        if (!(key instanceof ECPublicKey ec)) {
            throw new BadCsrException("CSR key is " + key.getAlgorithm() + "; Outpost certifies EC P-256 keys only");
        }
        if (!isP256(ec)) {
            throw new BadCsrException("CSR key is on an unsupported curve; use EC P-256 (secp256r1)");
        }
        try {
            if (!csr.isSignatureValid(new JcaContentVerifierProviderBuilder().build(key))) {
                throw new BadCsrException("CSR signature does not verify with its own public key");
            }
        } catch (OperatorCreationException | PKCSException e) {
            throw new BadCsrException("CSR signature cannot be verified: " + e.getMessage());
        }
        String cn = "";
        var rdns = csr.getSubject().getRDNs(org.bouncycastle.asn1.x500.style.BCStyle.CN);
        if (rdns.length > 0 && rdns[0].getFirst() != null) {
            cn = rdns[0].getFirst().getValue().toString();
        }
        return new Accepted(key, sanitize(cn));
    }

    private static boolean isP256(ECPublicKey key) {
        // secp256r1's order; other 256-bit curves (e.g. secp256k1) have a different one.
        return key.getParams().getOrder().equals(new java.math.BigInteger(
                "FFFFFFFF00000000FFFFFFFFFFFFFFFFBCE6FAADA7179E84F3B9CAC2FC632551", 16));
    }

    /** The suggested host name is stored and shown, so keep it printable and short. */
    private static String sanitize(String s) {
        String t = s.replaceAll("[^A-Za-z0-9._-]", "");
        return t.length() > 253 ? t.substring(0, 253) : t;
    }
}
