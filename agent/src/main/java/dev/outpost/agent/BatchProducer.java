package dev.outpost.agent;

import dev.outpost.agent.collect.HostCollection;
import dev.outpost.agent.metrics.Metrics;
import dev.outpost.agent.otlp.OtlpEncoder;
import dev.outpost.agent.queue.DiskQueue;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.time.Clock;
import java.util.Map;
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
        } catch (RuntimeException | IOException | Error e) {
            if (!failedLast) {
                LOG.error("collection cycle failed; will retry every interval", e);
            }
            failedLast = true;
            if (e instanceof Error err && !(e instanceof LinkageError)) {
                throw err;
            }
        }
    }

    static byte[] gzip(byte[] data) throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream(data.length / 4 + 64);
        try (GZIPOutputStream gz = new GZIPOutputStream(out, 8192)) {
            gz.write(data);
        }
        return out.toByteArray();
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
