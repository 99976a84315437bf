package dev.outpost.gateway.ca;

import java.io.IOException;
import java.security.KeyFactory;
import java.security.PrivateKey;
import java.security.SecureRandom;
import java.security.cert.X509Certificate;
import java.security.spec.PKCS8EncodedKeySpec;
import java.time.Clock;
import java.util.Arrays;
import java.util.List;
import java.util.Objects;

/**
 * The CA material at one moment (see {@link CaStore}): the issuing CA's certificate and sealed key, the staged next
 * CA (null unless staged), the previous CA (null unless switched) and the link certificates (NewWithOld, OldWithNew;
 * empty without a rollover). {@code keyName} names the sealed key in messages (a file, or the database).
 */
public record CaSnapshot(X509Certificate issuing, byte[] sealedKey, X509Certificate next, X509Certificate previous,
        List<X509Certificate> links, String keyName) {
    /** Additional data bound to a sealed CA key: a key sealed for another purpose does not open as one. */
    public static final String AAD = "outpost-ca-key-v1";

    public CaSnapshot {
        Objects.requireNonNull(issuing, "issuing");
        Objects.requireNonNull(sealedKey, "sealedKey");
        links = List.copyOf(links);
        if ((next != null || previous != null) && links.size() != 2) {
            throw new IllegalArgumentException("a CA rollover needs its two link certificates, found " + links.size());
        }
    }

    /** Seals a CA's private key with the master key, as it is kept at rest. */
    public static byte[] seal(MasterKey master, CertificateAuthority ca) {
        return master.seal(ca.privateKey().getEncoded(), AAD);
    }

    /**
     * The issuing CA with its key unsealed.
     *
     * @throws UnsealException if {@code master} cannot open the key (another master key, or altered)
     */
    public CertificateAuthority issuer(MasterKey master, Clock clock, SecureRandom random) throws IOException {
        byte[] pkcs8;
        try {
            pkcs8 = master.open(sealedKey, AAD);
        } catch (IOException e) {
            throw new UnsealException(keyName + ": " + e.getMessage());
        }
        try {
            PrivateKey key = KeyFactory.getInstance("EC").generatePrivate(new PKCS8EncodedKeySpec(pkcs8));
            if (!dev.outpost.wire.EcKeys.matches(key, issuing.getPublicKey())) {
                throw new IOException(keyName + " is not the key of the CA certificate " + issuing
                        .getSubjectX500Principal() + "; restore both from the same backup");
            }
            return new CertificateAuthority(issuing, key, clock, random);
        } catch (java.security.GeneralSecurityException e) {
            throw new IOException(keyName + ": decrypted CA key is not an EC private key", null);
        } finally {
            Arrays.fill(pkcs8, (byte) 0);
        }
    }

    /** What the gateway works with: which CA issues, which are trusted, published, and follow the server certificate. */
    public Authorities authorities(CertificateAuthority issuer) {
        X509Certificate current = issuer.certificate();
        if (next != null) {
            return new Authorities(issuer, List.of(current, next), List.of(current, next, links.get(0), links.get(1)),
                    List.of(current));
        }
        if (previous != null) {
            X509Certificate newWithOld = links.get(0);
            return new Authorities(issuer, List.of(current, previous), List.of(current, previous, newWithOld,
                    links.get(1)), List.of(newWithOld, previous));
        }
        return Authorities.single(issuer);
    }

    /**
     * The stored CA material does not make a whole (edited or restored in part by hand: a staged or previous CA without
     * its links, a link without its CA, ...). The message names what is missing and what to do; the gateway refuses
     * to start with it (exit 78) rather than guess which CAs to trust.
     */
    public static final class InconsistentException extends IOException {
        private static final long serialVersionUID = 1L;

        public InconsistentException(String message) {
            super(message, null);
        }
    }

    /** The master key at hand cannot open the sealed CA key: another master key, or altered data. */
    public static final class UnsealException extends IOException {
        private static final long serialVersionUID = 1L;

        public UnsealException(String message) {
            super(message, null);
        }
    }
}
