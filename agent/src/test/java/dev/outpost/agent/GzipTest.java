package dev.outpost.agent;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.util.SplittableRandom;
import java.util.zip.GZIPInputStream;
import java.util.zip.GZIPOutputStream;
import org.junit.jupiter.api.Test;

/** The batch compressor, reused from cycle to cycle, writes exactly the bytes of a new GZIPOutputStream each time. */
class GzipTest {

    @Test
    void sameBytesAsGzipOutputStreamForBatchesOfEverySizeOneAfterTheOther() throws IOException {
        BatchProducer.Gzip gzip = new BatchProducer.Gzip();
        SplittableRandom random = new SplittableRandom(7);
        for (int size : new int[] {0, 1, 100, 12_679, 8_192, 70_000, 300_000, 12_679}) {
            byte[] data = new byte[size];
            for (int i = 0; i < size; i++) {
                // Compressible like a batch: few distinct bytes, some runs.
                data[i] = (byte) (random.nextInt(4) == 0 ? random.nextInt(256) : 'a' + random.nextInt(6));
            }
            byte[] ours = gzip.compress(data);
            assertArrayEquals(reference(data), ours, "batch of " + size + " bytes");
            try (GZIPInputStream in = new GZIPInputStream(new ByteArrayInputStream(ours))) {
                assertArrayEquals(data, in.readAllBytes());
            }
        }
    }

    private static byte[] reference(byte[] data) throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try (GZIPOutputStream gz = new GZIPOutputStream(out, 8192)) {
            gz.write(data);
        }
        return out.toByteArray();
    }
}
