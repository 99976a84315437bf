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

    @Test
    void aBodyOfExactlyTheBoundPassesAndOneByteMoreDoesNot() throws Exception {
        byte[] data = new byte[5000];
        new java.util.Random(7).nextBytes(data);
        assertArrayEquals(data, Gunzip.decode(Unpooled.wrappedBuffer(gzip(data)), "gzip", 5000));
        assertThrows(Gunzip.TooLargeException.class,
                () -> Gunzip.decode(Unpooled.wrappedBuffer(gzip(data)), "gzip", 4999));
    }

    @Test
    void aTrailerThatLiesAboutTheLengthOnlyChangesTheFirstArray() throws Exception {
        byte[] data = new byte[20_000];
        for (int i = 0; i < data.length; i++) {
            data[i] = (byte) (i % 251);
        }
        for (int claimed : new int[] {0, 1, 19_999, 20_001, 1_000_000, -1}) {
            byte[] body = gzip(data);
            java.nio.ByteBuffer.wrap(body, body.length - 4, 4).order(java.nio.ByteOrder.LITTLE_ENDIAN).putInt(claimed);
            // GZIPInputStream checks ISIZE against what it decoded: a wrong one is a corrupt body, refused.
            if (claimed != data.length) {
                assertThrows(IOException.class, () -> Gunzip.decode(Unpooled.wrappedBuffer(body), "gzip", 100_000));
            }
        }
        // Two members (the trailer gives only the last one's length), in a composite buffer as the aggregator makes.
        byte[] first = gzip(java.util.Arrays.copyOf(data, 15_000));
        byte[] second = gzip(java.util.Arrays.copyOfRange(data, 15_000, 20_000));
        assertArrayEquals(data, Gunzip.decode(Unpooled.wrappedBuffer(Unpooled.wrappedBuffer(first),
                Unpooled.wrappedBuffer(second)), "gzip", 100_000));
        assertArrayEquals(data, Gunzip.decode(Unpooled.wrappedBuffer(first, second), "gzip", 20_000));
        assertThrows(Gunzip.TooLargeException.class,
                () -> Gunzip.decode(Unpooled.wrappedBuffer(first, second), "gzip", 19_999));
    }

    @Test
    void theFirstArrayIsTheTrailersLengthWhenPlausible() throws Exception {
        byte[] data = new byte[12_531];
        java.util.Random random = new java.util.Random(3);
        for (int i = 0; i < data.length; i++) {
            data[i] = (byte) ('0' + random.nextInt(10)); // compresses about 2:1, as real batches compress ~4:1
        }
        byte[] body = gzip(data);
        assertEquals(12_531, Gunzip.initialSize(Unpooled.wrappedBuffer(body), 1 << 20));
        // Never beyond the bound, nor more than MAX_RATIO times the body: a claimed 1 GiB is not allocated.
        assertEquals(10_000, Gunzip.initialSize(Unpooled.wrappedBuffer(body), 10_000));
        java.nio.ByteBuffer.wrap(body, body.length - 4, 4).order(java.nio.ByteOrder.LITTLE_ENDIAN).putInt(1 << 30);
        assertEquals(body.length * 4 + 64, Gunzip.initialSize(Unpooled.wrappedBuffer(body), Integer.MAX_VALUE));
    }
}
