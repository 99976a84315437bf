package dev.outpost.agent;

import dev.outpost.agent.collect.HostCollection;
import dev.outpost.agent.metrics.Metrics;
import dev.outpost.agent.otlp.OtlpEncoder;
import dev.outpost.agent.queue.DiskQueue;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.time.Clock;
import java.util.Arrays;
import java.util.Map;
import java.util.zip.CRC32;
import java.util.zip.Deflater;
import java.util.zip.GZIPOutputStream;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One collection cycle: collect the host metrics and read the agent's own, encode them as one OTLP batch, gzip it,
 * and append it to the disk queue (where it survives a crash) before anything tries to send it. Runs on the scheduler and never
 * throws, so one bad cycle never stops the next.
 */
final class BatchProducer implements Runnable {
    private static final Logger LOG = LoggerFactory.getLogger("outpost.agent.collect");
    private final HostCollection collection;
    private final SelfMetrics self;
    private final Metrics metrics;
    private final OtlpEncoder encoder;
    private volatile Map<String, String> resource;
    private final DiskQueue queue;
    private final Runnable onQueued;
    private final Clock clock;
    private final long startNanos;
    private volatile boolean failedLast;
    private final DropLog dropLog = new DropLog();
    private final Gzip gzip = new Gzip();

    BatchProducer(HostCollection collection, SelfMetrics self, Metrics metrics, OtlpEncoder encoder,
            Map<String, String> resource, DiskQueue queue, Runnable onQueued, Clock clock) {
        this.collection = collection;
        this.self = self;
        this.metrics = metrics;
        this.encoder = encoder;
        this.resource = resource;
        this.queue = queue;
        this.onQueued = onQueued;
        this.clock = clock;
        this.startNanos = nanos(clock);
    }

    /** Uses {@code next} as the resource of batches from the next cycle on (configuration reload). */
    void resource(Map<String, String> next) {
        this.resource = Map.copyOf(next);
    }

    @Override
    public void run() {
        try {
            collection.collectOnce();
            self.update();
            byte[] proto = encoder.encodeBytes(metrics, resource, nanos(clock),
                    collection.bootTimeSeconds() * 1_000_000_000L, startNanos);
            long droppedBefore = queue.stats().droppedFull();
            queue.append(gzip(proto));
            onQueued.run();
            if (queue.stats().droppedFull() > droppedBefore) {
                dropLog.warn(clock.instant(), queue.stats().droppedFull());
            }
            if (failedLast) {
                LOG.info("collection cycle works again");
                failedLast = false;
            }
        } catch (RuntimeException | Error e) {
            if (!failedLast) {
                LOG.error("collection cycle failed; will retry every interval", e);
            }
            failedLast = true;
            if (e instanceof Error err && !(e instanceof LinkageError)) {
                throw err;
            }
        }
    }

    private byte[] gzip(byte[] data) {
        return gzip.compress(data);
    }

    /**
     * Gzip with one zlib stream for the agent's life: the bytes {@link java.util.zip.GZIPOutputStream} writes (its
     * header, the deflate stream at the default level, the CRC-32 and length trailer), without allocating and
     * initialising a new native deflater (some 300 KB of zlib state) and its buffers every cycle. Not thread-safe.
     */
    static final class Gzip {
        /**
         * GZIPOutputStream's 10-byte header, taken from the JDK's own (its OS byte is 0 or 255 depending on the JDK
         * update): magic, deflate, no flags, no time, no extra flags, OS.
         */
        private static final byte[] HEADER = header();
        private final Deflater deflater = new Deflater(Deflater.DEFAULT_COMPRESSION, true);
        private final CRC32 crc = new CRC32();
        private byte[] buffer = new byte[8192];

        byte[] compress(byte[] data) {
            try {
                crc.reset();
                crc.update(data, 0, data.length);
                System.arraycopy(HEADER, 0, buffer, 0, HEADER.length);
                int size = HEADER.length;
                deflater.setInput(data, 0, data.length);
                deflater.finish();
                while (!deflater.finished()) {
                    if (size == buffer.length) {
                        buffer = Arrays.copyOf(buffer, buffer.length * 2);
                    }
                    size += deflater.deflate(buffer, size, buffer.length - size);
                }
                byte[] out = Arrays.copyOf(buffer, size + 8);
                int crc32 = (int) crc.getValue();
                for (int i = 0; i < 4; i++) {
                    out[size + i] = (byte) (crc32 >>> (8 * i));
                    out[size + 4 + i] = (byte) (data.length >>> (8 * i));
                }
                return out;
            } finally {
                deflater.reset(); // ready for the next batch, and no longer holding this one
            }
        }

        private static byte[] header() {
            ByteArrayOutputStream out = new ByteArrayOutputStream();
            try (GZIPOutputStream gz = new GZIPOutputStream(out)) {
                gz.finish();
            } catch (IOException e) {
                throw new UncheckedIOException(e); // never: in memory
            }
            return Arrays.copyOf(out.toByteArray(), 10);
        }
    }

    private static long nanos(Clock clock) {
        var now = clock.instant();
        return now.getEpochSecond() * 1_000_000_000L + now.getNano();
    }

    /** Logs queue-full drops at most once a minute, with the running total, so an outage does not flood the log. */
    static final class DropLog {
        private java.time.Instant next = java.time.Instant.MIN;
        private long reported;

        void warn(java.time.Instant now, long total) {
            if (now.isBefore(next)) {
                return;
            }
            LOG.warn("disk queue full: dropped the oldest {} batches to make room ({} since start); the gateway is "
                    + "unreachable or slower than collection", total - reported, total);
            reported = total;
            next = now.plusSeconds(60);
        }
    }
}
