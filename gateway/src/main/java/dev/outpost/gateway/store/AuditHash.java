package dev.outpost.gateway.store;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Instant;

/**
 * The hash of an audit entry: SHA-256 over a canonical, unambiguous encoding — a version tag, then seq and time
 * (epoch ms) as 8-byte big-endian numbers, then kind, org, agent, token, source, detail and prev_hash, each as a
 * 4-byte length (-1 for null) followed by its bytes (strings in UTF-8).
 */
public final class AuditHash {
    /** The prev_hash of entry 1. */
    public static final byte[] GENESIS = new byte[32];
    private static final byte[] TAG = "outpost-audit-v1".getBytes(StandardCharsets.US_ASCII);

    private AuditHash() {
    }

    public static byte[] of(long seq, Instant time, AuditEvent e, byte[] prevHash) {
        MessageDigest d;
        try {
            d = MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException ex) {
            throw new IllegalStateException("SHA-256 is not available in this JVM", ex);
        }
        d.update(TAG);
        d.update(ByteBuffer.allocate(16).putLong(seq).putLong(time.toEpochMilli()).array());
        for (String s : new String[] {e.kind(), e.org(), e.agent(), e.token(), e.source(), e.detail()}) {
            bytes(d, s == null ? null : s.getBytes(StandardCharsets.UTF_8));
        }
        bytes(d, prevHash);
        return d.digest();
    }

    private static void bytes(MessageDigest d, byte[] b) {
        d.update(ByteBuffer.allocate(4).putInt(b == null ? -1 : b.length).array());
        if (b != null) {
            d.update(b);
        }
    }
}
