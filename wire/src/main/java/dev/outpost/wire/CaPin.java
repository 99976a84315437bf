package dev.outpost.wire;

import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.cert.X509Certificate;
import java.util.HexFormat;
import java.util.Locale;

/**
 * The SHA-256 pin of a CA's SubjectPublicKeyInfo, written {@code sha256:<64 hex>} as {@code kubeadm join}
 * does. An agent is given the pin out of band and trusts a CA bundle only if a certificate in it matches.
 */
public final class CaPin {
    private static final String PREFIX = "sha256:";
    private final byte[] digest;

    private CaPin(byte[] digest) {
        this.digest = digest;
    }

    /** Parses {@code sha256:<hex>} (the prefix may be omitted; case and surrounding blanks are ignored). */
    public static CaPin parse(String text) {
        if (text == null) {
            throw new IllegalArgumentException("CA pin is missing; expected sha256:<64 hex digits>");
        }
        String s = text.trim().toLowerCase(Locale.ROOT);
        if (s.startsWith(PREFIX)) {
            s = s.substring(PREFIX.length());
        }
        if (!s.matches("[0-9a-f]{64}")) {
            throw new IllegalArgumentException("CA pin \"" + text.trim()
                    + "\" is not of the form sha256:<64 hex digits>; print it with `outpost-gateway pin`");
        }
        return new CaPin(HexFormat.of().parseHex(s));
    }

    /** The pin of this certificate's public key. */
    public static CaPin of(X509Certificate cert) {
        try {
            return new CaPin(MessageDigest.getInstance("SHA-256").digest(cert.getPublicKey().getEncoded()));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is not available in this JVM", e);
        }
    }

    /** Whether the certificate's public key has this pin (constant-time comparison). */
    public boolean matches(X509Certificate cert) {
        return MessageDigest.isEqual(digest, of(cert).digest);
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof CaPin other && MessageDigest.isEqual(digest, other.digest);
    }

    @Override
    public int hashCode() {
        return java.util.Arrays.hashCode(digest);
    }

    @Override
    public String toString() {
        return PREFIX + HexFormat.of().formatHex(digest);
    }
}
