package dev.outpost.gateway.ca;

import java.io.IOException;
import java.math.BigInteger;
import java.security.KeyFactory;
import java.security.Provider;
import java.security.PublicKey;
import java.security.spec.X509EncodedKeySpec;
import java.util.Map;
import java.util.Set;
import java.util.function.Supplier;
import org.bouncycastle.asn1.ASN1Encoding;
import org.bouncycastle.asn1.ASN1ObjectIdentifier;
import org.bouncycastle.asn1.pkcs.PKCSObjectIdentifiers;
import org.bouncycastle.asn1.sec.SECObjectIdentifiers;
import org.bouncycastle.asn1.x509.AlgorithmIdentifier;
import org.bouncycastle.asn1.x509.SubjectPublicKeyInfo;
import org.bouncycastle.asn1.x9.X9ObjectIdentifiers;
import org.bouncycastle.crypto.Digest;
import org.bouncycastle.crypto.digests.SHA256Digest;
import org.bouncycastle.crypto.digests.SHA384Digest;
import org.bouncycastle.crypto.digests.SHA512Digest;
import org.bouncycastle.crypto.ec.CustomNamedCurves;
import org.bouncycastle.crypto.params.ECDomainParameters;
import org.bouncycastle.crypto.params.ECPublicKeyParameters;
import org.bouncycastle.crypto.signers.ECDSASigner;
import org.bouncycastle.crypto.signers.StandardDSAEncoding;
import org.bouncycastle.jce.provider.BouncyCastleProvider;
import org.bouncycastle.operator.OperatorCreationException;
import org.bouncycastle.operator.jcajce.JcaContentVerifierProviderBuilder;
import org.bouncycastle.pkcs.PKCSException;
import org.bouncycastle.pkcs.jcajce.JcaPKCS10CertificationRequest;

/**
 * Checks a PKCS#10 CSR before anything is issued: it must parse, carry a key of an accepted type
 * ({@code ca.key_types}) and be signed by that key (proof of possession) with SHA-256 or stronger. Every rejection
 * says what is wrong in words an operator can act on, and names the accepted key types.
 */
public final class CsrCheck {
    /** Upper bound on a DER CSR; a P-256 CSR is about 300 bytes, an RSA-8192 one about 1.3 KiB. */
    public static final int MAX_CSR_BYTES = 8192;
    /** Proof-of-possession signatures accepted, by OID: SHA-2 with ECDSA, RSA PKCS#1 v1.5 and RSASSA-PSS. */
    private static final Map<String, String> SIGNATURES = Map.of(
            "1.2.840.10045.4.3.2", "ecdsa-with-SHA256", "1.2.840.10045.4.3.3", "ecdsa-with-SHA384",
            "1.2.840.10045.4.3.4", "ecdsa-with-SHA512", "1.2.840.113549.1.1.11", "sha256WithRSAEncryption",
            "1.2.840.113549.1.1.12", "sha384WithRSAEncryption", "1.2.840.113549.1.1.13", "sha512WithRSAEncryption",
            "1.2.840.113549.1.1.10", "RSASSA-PSS");
    /**
     * Verifies the proof of possession: Bouncy Castle, not the JDK. The JDK 17 provider's P-256 ECDSA verification
     * took 45 % of the gateway's request CPU per EST enrollment over TLS (JFR, 1,000 enrollments after 1,500 of
     * warm-up), more than the TLS handshake; Bouncy Castle's does the same check in about a quarter of the time.
     * Only public data goes through it (the CSR and its key), so its timing reveals nothing. Not registered as a
     * JCA provider: nothing else changes provider.
     */
    private static final Provider VERIFIER = new BouncyCastleProvider();
    /**
     * ECDSA proofs of possession on a named P-256 or P-384 key are verified with Bouncy Castle's ECDSA directly, on
     * these domain parameters, made once: through the JCA provider each verification converted the key's curve
     * again, with a new generator point whose precomputed multiples were then computed again (about half of the
     * check's CPU: ~0.4 against ~0.2 ms per P-256 CSR on Java 17). The same signer, signature decoding (strict DER)
     * and range checks as the provider's {@code SHA256withECDSA}; other keys and algorithms still go through it.
     */
    private static final Map<ASN1ObjectIdentifier, ECDomainParameters> NAMED_CURVES = Map.of(
            SECObjectIdentifiers.secp256r1, domain(SECObjectIdentifiers.secp256r1),
            SECObjectIdentifiers.secp384r1, domain(SECObjectIdentifiers.secp384r1));
    /** The digest of each ECDSA signature algorithm accepted, by OID. */
    private static final Map<String, Supplier<Digest>> ECDSA_DIGESTS = Map.of(
            "1.2.840.10045.4.3.2", SHA256Digest::new, "1.2.840.10045.4.3.3", SHA384Digest::new,
            "1.2.840.10045.4.3.4", SHA512Digest::new);

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

    /** Checks {@code der} against the key types this gateway certifies ({@code accepted}, not empty). */
    public static Accepted check(byte[] der, Set<KeyType> accepted) throws BadCsrException {
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
            key = publicKey(csr);
        } catch (IOException | RuntimeException | java.security.GeneralSecurityException e) {
            throw new BadCsrException("body is not a DER PKCS#10 certification request");
        }
        KeyType type = KeyType.of(key);
        if (type == null || !accepted.contains(type)) {
            throw new BadCsrException("CSR key is " + KeyType.describe(key) + "; this gateway certifies "
                    + KeyType.list(accepted) + " keys (see /.well-known/est/csrattrs)");
        }
        String algorithm = csr.getSignatureAlgorithm().getAlgorithm().getId();
        if (!SIGNATURES.containsKey(algorithm)) {
            throw new BadCsrException("CSR is signed with algorithm " + algorithm + "; sign it with SHA-256 or "
                    + "stronger (e.g. ecdsa-with-SHA256, sha256WithRSAEncryption)");
        }
        try {
            Boolean named = verifyNamedEcdsa(csr, algorithm);
            boolean valid = named != null ? named
                    : csr.isSignatureValid(new JcaContentVerifierProviderBuilder().setProvider(VERIFIER).build(key));
            if (!valid) {
                throw new BadCsrException("CSR signature does not verify with its own public key");
            }
        } catch (OperatorCreationException | PKCSException | IOException e) {
            throw new BadCsrException("CSR signature cannot be verified: " + e.getMessage());
        } catch (RuntimeException e) {
            // Bouncy Castle's RuntimeOperatorException: the signature bytes do not decode (e.g. not a DER
            // ECDSA-Sig-Value). A malformed request, not a server error.
            throw new BadCsrException("CSR signature is not a valid " + SIGNATURES.get(algorithm) + " signature");
        }
        String cn = "";
        var rdns = csr.getSubject().getRDNs(org.bouncycastle.asn1.x500.style.BCStyle.CN);
        if (rdns.length > 0 && rdns[0].getFirst() != null) {
            cn = rdns[0].getFirst().getValue().toString();
        }
        return new Accepted(key, sanitize(cn));
    }

    /**
     * The key factory of each key algorithm by OID, asked for by name: Bouncy Castle's {@code getPublicKey()} asks
     * the JCA for an EC key factory by OID first, which the JDK has not, so each P-256 CSR scanned every provider
     * and built a NoSuchAlgorithmException with its stack trace before asking for "EC". Other algorithms go that
     * way still.
     */
    private static final Map<ASN1ObjectIdentifier, String> KEY_FACTORIES = Map.of(
            X9ObjectIdentifiers.id_ecPublicKey, "EC", PKCSObjectIdentifiers.rsaEncryption, "RSA");

    private static PublicKey publicKey(JcaPKCS10CertificationRequest csr)
            throws java.security.GeneralSecurityException, IOException {
        SubjectPublicKeyInfo spki = csr.getSubjectPublicKeyInfo();
        String algorithm = KEY_FACTORIES.get(spki.getAlgorithm().getAlgorithm());
        if (algorithm == null) {
            return csr.getPublicKey();
        }
        return KeyFactory.getInstance(algorithm).generatePublic(new X509EncodedKeySpec(spki.getEncoded()));
    }

    private static ECDomainParameters domain(ASN1ObjectIdentifier curve) {
        return new ECDomainParameters(CustomNamedCurves.getByOID(curve));
    }

    /**
     * Whether the CSR's ECDSA signature verifies, when its key is on a named curve of {@link #NAMED_CURVES} and its
     * algorithm is ECDSA with SHA-2; null for any other key or algorithm (the provider checks those). Throws
     * {@link IllegalArgumentException} for a point not on the curve or a signature that is not a DER ECDSA-Sig-Value.
     */
    private static Boolean verifyNamedEcdsa(JcaPKCS10CertificationRequest csr, String algorithm) throws IOException {
        Supplier<Digest> digest = ECDSA_DIGESTS.get(algorithm);
        SubjectPublicKeyInfo spki = csr.getSubjectPublicKeyInfo();
        AlgorithmIdentifier keyAlgorithm = spki.getAlgorithm();
        if (digest == null || !X9ObjectIdentifiers.id_ecPublicKey.equals(keyAlgorithm.getAlgorithm())
                || !(keyAlgorithm.getParameters() instanceof ASN1ObjectIdentifier curve)
                || !NAMED_CURVES.containsKey(curve)) {
            return null;
        }
        ECDomainParameters domain = NAMED_CURVES.get(curve);
        ECPublicKeyParameters publicKey = new ECPublicKeyParameters(
                domain.getCurve().decodePoint(spki.getPublicKeyData().getOctets()), domain);
        BigInteger[] rs = StandardDSAEncoding.INSTANCE.decode(domain.getN(), csr.getSignature());
        byte[] signed = csr.toASN1Structure().getCertificationRequestInfo().getEncoded(ASN1Encoding.DER);
        Digest d = digest.get();
        d.update(signed, 0, signed.length);
        byte[] hash = new byte[d.getDigestSize()];
        d.doFinal(hash, 0);
        ECDSASigner signer = new ECDSASigner();
        signer.init(false, publicKey);
        return signer.verifySignature(hash, rs[0], rs[1]);
    }

    /** The suggested host name is stored and shown, so keep it printable and short. */
    private static String sanitize(String s) {
        String t = s.replaceAll("[^A-Za-z0-9._-]", "");
        return t.length() > 253 ? t.substring(0, 253) : t;
    }
}
