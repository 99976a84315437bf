package dev.outpost.agent;

import dev.outpost.agent.queue.BatchQueue;
import dev.outpost.agent.tls.Credentials;
import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import java.time.Clock;

/** The agent's own health, sent in the same batches as host metrics: the agent has no port to scrape. */
final class SelfMetrics {
    private SelfMetrics() {
    }

    static void register(MeterRegistry registry, BatchQueue queue, Credentials credentials, Clock clock) {
        Gauge.builder("outpost.agent.queue.batches", queue, BatchQueue::size).description("Batches waiting to be sent")
                .baseUnit("{batch}").register(registry);
        Gauge.builder("outpost.agent.queue.bytes", queue, BatchQueue::bytes).description("Bytes waiting to be sent")
                .baseUnit("bytes").register(registry);
        Gauge.builder("outpost.agent.queue.oldest_age", queue, q -> q.oldestAge(clock.instant()).toMillis() / 1000.0)
                .description("Age of the oldest unsent batch").baseUnit("seconds").register(registry);
        FunctionCounter.builder("outpost.agent.batches.dropped", queue, BatchQueue::dropped).tag("reason", "queue_full")
                .description("Batches dropped because the queue was full").register(registry);
        Gauge.builder("outpost.agent.certificate.expiry", credentials,
                c -> (c.notAfter().toEpochMilli() - clock.millis()) / 1000.0)
                .description("Seconds until the client certificate expires").baseUnit("seconds").register(registry);
    }
}
