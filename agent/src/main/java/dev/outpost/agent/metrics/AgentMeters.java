package dev.outpost.agent.metrics;

import static dev.outpost.agent.metrics.MetricDef.Since.AGENT_START;
import static dev.outpost.agent.metrics.MetricDef.ValueType.DOUBLE;
import static dev.outpost.agent.metrics.MetricDef.ValueType.INT;

import java.util.List;

/**
 * The agent's own metrics ({@code outpost.agent.*}), sent in the same batches as the host's since the agent has
 * no port to scrape. Counts are int sums since the agent started, amounts that add up across agents (queued
 * batches, bytes) are non-monotonic sums, times are seconds: histograms for what is measured often, gauges for
 * "how long until / since" something, computed on the agent's own clock so they stay right when that clock is
 * off. src/test/resources/hostmetrics/outpost-agent.yaml holds the same definitions for the parity test.
 */
public final class AgentMeters {
    /**
     * Per collector run: a steady-state run takes 0.05 to 5 ms; right after start (interpreted code) or when a
     * device list is rebuilt 10 to 100 ms; a second or more means a hung source (an NFS mount's statvfs).
     */
    public static final List<Double> COLLECTOR_BOUNDS = List.of(0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.1,
            1.0);
    /** Per cycle: 5 to 50 ms is normal; near the interval (1 s at least) cycles start to be skipped. */
    public static final List<Double> COLLECTION_BOUNDS = List.of(0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1,
            0.25, 1.0, 5.0);
    /**
     * Per accepted batch: 1 to 5 ms on loopback, 5 to 50 ms on a LAN, 50 to 500 ms across a WAN with a TLS
     * handshake; {@code push.timeout} (10 s by default) ends an attempt.
     */
    public static final List<Double> PUSH_BOUNDS = List.of(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5,
            10.0);

    public static final MetricDef QUEUE_BATCHES = MetricDef.upDownCounter("outpost.agent.queue.batches", INT,
            "{batch}", AGENT_START, "Batches in the disk queue waiting to be sent.");
    public static final MetricDef QUEUE_BYTES = MetricDef.upDownCounter("outpost.agent.queue.bytes", INT, "By",
            AGENT_START, "Bytes the disk queue takes on disk.");
    public static final MetricDef QUEUE_OLDEST_AGE = MetricDef.gauge("outpost.agent.queue.oldest_age", DOUBLE, "s",
            "Seconds the oldest batch in the disk queue has waited; 0 when the queue is empty.");
    public static final MetricDef BATCHES_DROPPED = MetricDef.counter("outpost.agent.batches.dropped", INT,
            "{batch}", AGENT_START, "Batches lost since the agent started: the oldest dropped because the queue was "
                    + "full, not written because the disk was full, corrupt records skipped, or rejected by the "
                    + "gateway as malformed or too large.", "reason");
    public static final MetricDef PUSH_DURATION = MetricDef.histogram("outpost.agent.push.duration", "s",
            "Time from sending a batch to the gateway's acceptance of it.", PUSH_BOUNDS);
    public static final MetricDef PUSH_FAILURES = MetricDef.counter("outpost.agent.push.failures", INT,
            "{attempt}", AGENT_START, "Push attempts that failed and will be retried.");
    public static final MetricDef PUSH_LAST_SUCCESS_AGE = MetricDef.gauge("outpost.agent.push.last_success.age",
            DOUBLE, "s", "Seconds since the gateway last accepted a batch from this agent; absent until it has.");
    public static final MetricDef CLOCK_SKEW = MetricDef.gauge("outpost.agent.clock.skew", DOUBLE, "s",
            "This host's clock minus the gateway's, from the Date header of the gateway's latest answer; positive "
                    + "when this host is ahead.");
    public static final MetricDef CERTIFICATE_EXPIRES_IN = MetricDef.gauge("outpost.agent.certificate.expires_in",
            DOUBLE, "s", "Seconds until the agent's client certificate expires; negative once it has.");
    public static final MetricDef CERTIFICATE_RENEWAL_DUE_IN = MetricDef.gauge(
            "outpost.agent.certificate.renewal.due_in", DOUBLE, "s",
            "Seconds until the next certificate renewal attempt; 0 when it is due; absent once the gateway has "
                    + "refused renewal for good.");
    public static final MetricDef CERTIFICATE_RENEWALS = MetricDef.counter("outpost.agent.certificate.renewals",
            INT, "{certificate}", AGENT_START, "Certificates renewed since the agent started.");
    public static final MetricDef CERTIFICATE_RENEWAL_FAILURES = MetricDef.counter(
            "outpost.agent.certificate.renewal.failures", INT, "{attempt}", AGENT_START,
            "Certificate renewal attempts that failed and will be retried.");
    public static final MetricDef COLLECTION_DURATION = MetricDef.histogram("outpost.agent.collection.duration",
            "s", "Time one collection of all host metrics took.", COLLECTION_BOUNDS);
    public static final MetricDef COLLECTOR_DURATION = MetricDef.histogram("outpost.agent.collector.duration", "s",
            "Time one run of a host collector took.", COLLECTOR_BOUNDS, "collector");
    public static final MetricDef COLLECTOR_SUCCESS = MetricDef.gauge("outpost.agent.collector.success", INT, "1",
            "Whether the collector's last run succeeded (1) or failed (0); a source with nothing to report on "
                    + "this host counts as a success.", "collector");

    private AgentMeters() {
    }
}
