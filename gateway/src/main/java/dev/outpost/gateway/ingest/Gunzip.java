package dev.outpost.gateway.ingest;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.util.Locale;
import java.util.zip.GZIPInputStream;

/** Decodes a request body ({@code gzip} or identity) with a bound on the decoded size, so a zip bomb costs nothing. */
final class Gunzip {
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
            ByteArrayOutputStream out = new ByteArrayOutputStream(Math.min(maxDecoded, body.readableBytes() * 4 + 64));
            byte[] buf = new byte[8192];
            int total = 0;
            for (int n = in.read(buf); n >= 0; n = in.read(buf)) {
                total += n;
                if (total > maxDecoded) {
                    throw new TooLargeException("decoded body exceeds " + maxDecoded + " bytes");
                }
                out.write(buf, 0, n);
            }
            return out.toByteArray();
        }
    }
}
