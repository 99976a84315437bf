package dev.outpost.gateway.ca;

import dev.outpost.wire.SecureFiles;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.SecureRandom;
import java.util.Base64;
import java.util.Map;
import javax.crypto.Cipher;
import javax.crypto.SecretKey;
import javax.crypto.spec.GCMParameterSpec;
import javax.crypto.spec.SecretKeySpec;

/**
 * The 256-bit key that encrypts the CA private key at rest with AES-256-GCM. It comes from the systemd
 * credential {@code outpost-master-key} when {@code $CREDENTIALS_DIRECTORY} provides one, else from a
 * {@code 0600} file in the gateway directory.
 */
public final class MasterKey {
    /** Name of the systemd credential ({@code LoadCredential=outpost-master-key:...}). */
    public static final String CREDENTIAL_NAME = "outpost-master-key";
    private static final byte FORMAT_VERSION = 1;
    private static final int NONCE_BYTES = 12;
    private static final int TAG_BITS = 128;
    private final SecretKey key;
    private final SecureRandom random;

    private MasterKey(byte[] raw, SecureRandom random) {
        if (raw.length != 32) {
            throw new IllegalArgumentException("master key must be 32 bytes (base64 of 32 random bytes), found "
                    + raw.length + " bytes");
        }
        this.key = new SecretKeySpec(raw, "AES");
        this.random = random;
    }

    /** Where the master key is read from: the systemd credential if present, else {@code gatewayDir/master.key}. */
    public static Path location(Path gatewayDir, Map<String, String> env) {
        String creds = env.get("CREDENTIALS_DIRECTORY");
        if (creds != null && !creds.isBlank() && Files.isRegularFile(Path.of(creds, CREDENTIAL_NAME))) {
            return Path.of(creds, CREDENTIAL_NAME);
        }
        return gatewayDir.resolve("master.key");
    }

    /** Generates a new master key into {@code file} ({@code 0600}); fails if the file exists. */
    public static MasterKey create(Path file, SecureRandom random) throws IOException {
        byte[] raw = new byte[32];
        random.nextBytes(raw);
        SecureFiles.create(file, (Base64.getEncoder().encodeToString(raw) + "\n").getBytes(StandardCharsets.US_ASCII),
                SecureFiles.OWNER_ONLY);
        return new MasterKey(raw, random);
    }

    /** Reads the master key; the error names the file, never its content. */
    public static MasterKey load(Path file, SecureRandom random) throws IOException {
        byte[] raw;
        try {
            raw = Base64.getDecoder().decode(Files.readString(file, StandardCharsets.US_ASCII).strip());
        } catch (IllegalArgumentException e) {
            throw new IOException(file + ": master key is not base64 text", null);
        }
        try {
            return new MasterKey(raw, random);
        } catch (IllegalArgumentException e) {
            throw new IOException(file + ": " + e.getMessage(), null);
        }
    }

    /** Encrypts: version byte, 12-byte nonce, ciphertext with tag. {@code aad} binds it to its purpose. */
    public byte[] seal(byte[] plaintext, String aad) {
        byte[] nonce = new byte[NONCE_BYTES];
        random.nextBytes(nonce);
        try {
            Cipher c = Cipher.getInstance("AES/GCM/NoPadding");
            c.init(Cipher.ENCRYPT_MODE, key, new GCMParameterSpec(TAG_BITS, nonce));
            c.updateAAD(aad.getBytes(StandardCharsets.UTF_8));
            byte[] ct = c.doFinal(plaintext);
            return ByteBuffer.allocate(1 + NONCE_BYTES + ct.length).put(FORMAT_VERSION).put(nonce).put(ct).array();
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("AES-256-GCM is not available in this JVM", e);
        }
    }

    /** Decrypts what {@link #seal} produced; fails if the key is wrong or the data was altered. */
    public byte[] open(byte[] sealed, String aad) throws IOException {
        if (sealed.length < 1 + NONCE_BYTES + TAG_BITS / 8 || sealed[0] != FORMAT_VERSION) {
            throw new IOException("encrypted key has an unknown format");
        }
        try {
            Cipher c = Cipher.getInstance("AES/GCM/NoPadding");
            c.init(Cipher.DECRYPT_MODE, key, new GCMParameterSpec(TAG_BITS, sealed, 1, NONCE_BYTES));
            c.updateAAD(aad.getBytes(StandardCharsets.UTF_8));
            return c.doFinal(sealed, 1 + NONCE_BYTES, sealed.length - 1 - NONCE_BYTES);
        } catch (javax.crypto.AEADBadTagException e) {
            throw new IOException("cannot decrypt: wrong master key, or the encrypted file was altered", null);
        } catch (GeneralSecurityException e) {
            throw new IOException("cannot decrypt: " + e.getClass().getSimpleName(), null);
        }
    }
}
