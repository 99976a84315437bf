package dev.outpost.wire;

import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.PrivateKey;
import java.security.PublicKey;
import java.security.SecureRandom;
import java.security.Signature;
import java.security.spec.ECGenParameterSpec;

/**
 * Outpost's key pairs, on both sides: EC P-256, generated where they are used (the agent's on its host, at every
 * enrollment and renewal; the gateway's for its CA and server certificate).
 */
public final class EcKeys {
    private static final byte[] PROBE = "outpost key pair check".getBytes(StandardCharsets.US_ASCII);

    private EcKeys() {
    }

    /** A new EC P-256 key pair. */
    public static KeyPair generate(SecureRandom random) {
        try {
            KeyPairGenerator gen = KeyPairGenerator.getInstance("EC");
            gen.initialize(new ECGenParameterSpec("secp256r1"), random);
            return gen.generateKeyPair();
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("EC P-256 is not available in this JVM", e);
        }
    }

    /**
     * Whether {@code key} is the private half of {@code pub}: a signature made with one verifies with the other.
     * Key and certificate are written as two files; a crash between the two writes breaks the pair.
     */
    public static boolean matches(PrivateKey key, PublicKey pub) {
        try {
            Signature s = Signature.getInstance("SHA256withECDSA");
            s.initSign(key);
            s.update(PROBE);
            byte[] sig = s.sign();
            Signature v = Signature.getInstance("SHA256withECDSA");
            v.initVerify(pub);
            v.update(PROBE);
            return v.verify(sig);
        } catch (GeneralSecurityException e) {
            return false;
        }
    }
}
