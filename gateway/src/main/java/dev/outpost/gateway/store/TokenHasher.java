package dev.outpost.gateway.store;

import dev.outpost.wire.SecureFiles;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.security.SecureRandom;
import java.util.Base64;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/**
 * HMAC-SHA256 of token secrets keyed by a server-side pepper ({@code token-pepper}, {@code 0600}), so that a
 * copy of the database alone cannot be used to enroll. Verification compares in constant time.
 */
public final class TokenHasher {
    private final SecretKeySpec key;

    private TokenHasher(byte[] pepper) {
        this.key = new SecretKeySpec(pepper, "HmacSHA256");
    }

    /** Loads the pepper file, creating it with 32 random bytes if it does not exist. */
    public static TokenHasher loadOrCreate(Path file, SecureRandom random) throws IOException {
        if (!Files.exists(file)) {
            SecureFiles.create(file, text(newPepper(random)), SecureFiles.OWNER_ONLY);
        }
        return of(read(file));
    }

    /** Loads the pepper file; fails if it does not exist. */
    public static TokenHasher load(Path file) throws IOException {
        return of(read(file));
    }

    /** 32 random bytes. */
    static byte[] newPepper(SecureRandom random) {
        byte[] pepper = new byte[32];
        random.nextBytes(pepper);
        return pepper;
    }

    /** A pepper as its file holds it: base64 text. */
    static byte[] text(byte[] pepper) {
        return Base64.getEncoder().encodeToString(pepper).getBytes(StandardCharsets.US_ASCII);
    }

    /** The pepper in {@code file}, checked. */
    static byte[] read(Path file) throws IOException {
        try {
            byte[] pepper = Base64.getDecoder().decode(Files.readString(file, StandardCharsets.US_ASCII).strip());
            if (pepper.length < 32) {
                throw new IOException(file + ": token pepper must be at least 32 bytes");
            }
            return pepper;
        } catch (IllegalArgumentException e) {
            throw new IOException(file + ": token pepper is not base64 text", null);
        }
    }

    static TokenHasher of(byte[] pepper) {
        return new TokenHasher(pepper);
    }

    public byte[] hash(String secret) {
        try {
            Mac mac = Mac.getInstance("HmacSHA256");
            mac.init(key);
            return mac.doFinal(secret.getBytes(StandardCharsets.UTF_8));
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("HmacSHA256 is not available in this JVM", e);
        }
    }

    /** Constant-time check of a presented secret against a stored HMAC. */
    public boolean verify(String secret, byte[] storedHmac) {
        return MessageDigest.isEqual(hash(secret), storedHmac);
    }
}
