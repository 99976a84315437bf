package dev.outpost.gateway.ingest;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.util.Arrays;
import java.util.Locale;
import java.util.zip.GZIPInputStream;

/** Decodes a request body ({@code gzip} or identity) with a bound on the decoded size, so a zip bomb costs nothing. */
final class Gunzip {
    /** The first array of a decoded body is at most this many times the body's size (a batch's ratio is ~4). */
    static final int MAX_RATIO = 32;
    /** The decoded body would exceed the bound. */
    static final class TooLargeException extends Exception {
        private static final long serialVersionUID = 1L;

        TooLargeException(String message) {
            super(message, null, false, false);
        }
    }

    private Gunzip() {
    }

    /**
     * @throws TooLargeException past {@code maxDecoded} bytes
     * @throws IOException if the body is not valid gzip
     * @throws IllegalArgumentException for an encoding other than gzip/identity
     */
    static byte[] decode(ByteBuf body, String encoding, int maxDecoded) throws IOException, TooLargeException {
        String enc = encoding == null ? "identity" : encoding.trim().toLowerCase(Locale.ROOT);
        if (enc.isEmpty() || enc.equals("identity")) {
            if (body.readableBytes() > maxDecoded) {
                throw new TooLargeException("body of " + body.readableBytes() + " bytes exceeds " + maxDecoded);
            }
            byte[] out = new byte[body.readableBytes()];
            body.getBytes(body.readerIndex(), out);
            return out;
        }
        if (!enc.equals("gzip")) {
            throw new IllegalArgumentException("Content-Encoding \"" + enc + "\" is not supported; use gzip");
        }
        try (InputStream in = new GZIPInputStream(new ByteBufInputStream(body.duplicate()), 8192)) {
            // Decoded straight into the array returned: sized by the gzip trailer's length when it is plausible, so a
            // real batch is neither copied to grow nor copied to trim. The trailer only sizes the first array (at
            // most MAX_RATIO times the body): what is allocated beyond follows the bytes actually decoded.
            byte[] out = new byte[initialSize(body, maxDecoded)];
            int total = 0;
            while (true) {
                if (total == out.length) {
                    int b = in.read();
                    if (b < 0 && total <= maxDecoded) {
                        return out;
                    }
                    if (b < 0 || total >= maxDecoded) {
                        throw new TooLargeException("decoded body exceeds " + maxDecoded + " bytes");
                    }
                    out = Arrays.copyOf(out, (int) Math.min(maxDecoded, Math.max(8192L, 2L * out.length)));
                    out[total++] = (byte) b;
                    continue;
                }
                int n = in.read(out, total, out.length - total);
                if (n < 0) {
                    return Arrays.copyOf(out, total);
                }
                total += n;
            }
        }
    }

    /** Bytes a plausible gzip trailer (ISIZE, the last member's length mod 2^32) gives, else a guess; >= 1. */
    static int initialSize(ByteBuf body, int maxDecoded) {
        long cap = Math.min(maxDecoded, (long) body.readableBytes() * MAX_RATIO + 64);
        long isize = body.readableBytes() >= 18 ? body.getUnsignedIntLE(body.writerIndex() - 4) : 0;
        long size = isize > 0 && isize <= cap ? isize : Math.min(cap, (long) body.readableBytes() * 4 + 64);
        return (int) Math.max(1, size);
    }
}
