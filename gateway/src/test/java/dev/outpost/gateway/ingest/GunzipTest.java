package dev.outpost.gateway.ingest;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.netty.buffer.Unpooled;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.util.zip.GZIPOutputStream;
import org.junit.jupiter.api.Test;

class GunzipTest {
    static byte[] gzip(byte[] data) throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try (GZIPOutputStream gz = new GZIPOutputStream(out)) {
            gz.write(data);
        }
        return out.toByteArray();
    }

    @Test
    void decodesWithinTheBound() throws Exception {
        byte[] data = "hello metrics".getBytes();
        assertArrayEquals(data, Gunzip.decode(Unpooled.wrappedBuffer(gzip(data)), "gzip", 100));
        assertArrayEquals(data, Gunzip.decode(Unpooled.wrappedBuffer(data), null, 100));
    }

    @Test
    void aZipBombStopsAtTheBound() throws Exception {
        byte[] bomb = gzip(new byte[50 * 1024 * 1024]); // 50 MiB of zeros, about 50 KiB compressed
        assertTrue(bomb.length < 100_000);
        Gunzip.TooLargeException e = assertThrows(Gunzip.TooLargeException.class,
                () -> Gunzip.decode(Unpooled.wrappedBuffer(bomb), "gzip", 1024 * 1024));
        assertEquals("decoded body exceeds 1048576 bytes", e.getMessage());
    }

    @Test
    void badGzipAndUnknownEncodingAreErrors() {
        assertThrows(IOException.class, () -> Gunzip.decode(Unpooled.wrappedBuffer("nope".getBytes()), "gzip", 100));
        assertEquals("Content-Encoding \"br\" is not supported; use gzip", assertThrows(IllegalArgumentException.class,
                () -> Gunzip.decode(Unpooled.wrappedBuffer(new byte[1]), "br", 100)).getMessage());
    }
}
