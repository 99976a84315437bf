package dev.outpost.gateway.sink.file;

import java.io.ByteArrayOutputStream;
import java.util.zip.CRC32;
import java.util.zip.Deflater;

/**
 * Compresses one block of text into a complete gzip member (RFC 1952: header, deflate data, CRC-32 and length).
 * The file sink appends one member per delivery, so a file is a valid multi-member gzip stream ({@code zcat},
 * {@code zgrep}) after every fsync, and truncating at a member boundary undoes a delivery. One deflater is reused.
 * Not thread-safe.
 */
final class GzipMember implements AutoCloseable {
    private static final byte[] HEADER = {0x1f, (byte) 0x8b, 8, 0, 0, 0, 0, 0, 0, (byte) 255};
    private final Deflater deflater;
    private final CRC32 crc = new CRC32();
    private final byte[] chunk = new byte[64 * 1024];

    /** @param level 1 (fastest) to 9 (smallest) */
    GzipMember(int level) {
        if (level < 1 || level > 9) {
            throw new IllegalArgumentException("gzip level " + level + " is not between 1 and 9");
        }
        this.deflater = new Deflater(level, true);
    }

    /** Appends the member holding {@code data[0, length)} to {@code out}. */
    void compress(byte[] data, int length, ByteArrayOutputStream out) {
        out.write(HEADER, 0, HEADER.length);
        deflater.reset();
        deflater.setInput(data, 0, length);
        deflater.finish();
        while (!deflater.finished()) {
            int n = deflater.deflate(chunk);
            out.write(chunk, 0, n);
        }
        crc.reset();
        crc.update(data, 0, length);
        writeIntLe(out, (int) crc.getValue());
        writeIntLe(out, length);
    }

    private static void writeIntLe(ByteArrayOutputStream out, int v) {
        out.write(v);
        out.write(v >>> 8);
        out.write(v >>> 16);
        out.write(v >>> 24);
    }

    @Override
    public void close() {
        deflater.end();
    }
}
