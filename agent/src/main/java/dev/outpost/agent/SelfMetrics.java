package dev.outpost.agent;

import dev.outpost.agent.queue.DiskQueue;
import dev.outpost.agent.queue.QueueStats;
import dev.outpost.agent.tls.Identity;
import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import java.time.Clock;

/** The agent's own health, sent in the same batches as host metrics: the agent has no port to scrape. */
final class SelfMetrics {
    private SelfMetrics() {
    }

    static void register(MeterRegistry registry, DiskQueue queue, Identity identity, Clock clock) {
        Gauge.builder("outpost.agent.queue.batches", queue, q -> q.stats().records())
                .description("Batches on disk waiting to be sent").baseUnit("{batch}").register(registry);
        Gauge.builder("outpost.agent.queue.bytes", queue, q -> q.stats().bytes())
                .description("Bytes of the disk queue").baseUnit("bytes").register(registry);
        Gauge.builder("outpost.agent.queue.held", queue, q -> q.stats().heldRecords())
                .description("Queued batches held in memory because the disk could not take them")
                .baseUnit("{batch}").register(registry);
        Gauge.builder("outpost.agent.queue.oldest_age", queue, q -> oldestAge(q.stats(), clock))
                .description("Age of the oldest unsent batch").baseUnit("seconds").register(registry);
        FunctionCounter.builder("outpost.agent.batches.dropped", queue, q -> q.stats().droppedFull())
                .tag("reason", "queue_full").description("Oldest batches dropped because the queue was full")
                .register(registry);
        FunctionCounter.builder("outpost.agent.batches.dropped", queue, q -> q.stats().droppedDiskFull())
                .tag("reason", "disk_full")
                .description("Batches lost, never sent: the disk could not take them and the memory hold was full")
                .register(registry);
        FunctionCounter.builder("outpost.agent.batches.dropped", queue, q -> q.stats().corruptSkipped())
                .tag("reason", "corrupt").description("Corrupt queue records skipped at start").register(registry);
        Gauge.builder("outpost.agent.certificate.expiry", identity,
                i -> (i.current().notAfter().toEpochMilli() - clock.millis()) / 1000.0)
                .description("Seconds until the client certificate expires").baseUnit("seconds").register(registry);
    }

    static double oldestAge(QueueStats s, Clock clock) {
        return s.oldestCreated() == null ? 0 : Math.max(0, clock.millis() - s.oldestCreated().toEpochMilli()) / 1000.0;
    }
}
