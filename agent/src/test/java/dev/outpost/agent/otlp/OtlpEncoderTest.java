package dev.outpost.agent.otlp;

import static dev.outpost.agent.metrics.MetricDef.Since.AGENT_START;
import static dev.outpost.agent.metrics.MetricDef.Since.BOOT;
import static dev.outpost.agent.metrics.MetricDef.ValueType.DOUBLE;
import static dev.outpost.agent.metrics.MetricDef.ValueType.INT;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.outpost.agent.metrics.Histogram;
import dev.outpost.agent.metrics.MetricDef;
import dev.outpost.agent.metrics.Metrics;
import dev.outpost.agent.metrics.Points;
import io.opentelemetry.proto.collector.metrics.v1.ExportMetricsServiceRequest;
import io.opentelemetry.proto.metrics.v1.AggregationTemporality;
import io.opentelemetry.proto.metrics.v1.Metric;
import io.opentelemetry.proto.metrics.v1.ResourceMetrics;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class OtlpEncoderTest {
    private static final long BOOT_NANOS = 1_794_000_000_000_000_000L;
    private static final long START = 1_795_000_000_000_000_000L;
    private static final long NOW = START + 60_000_000_000L;
    private static final MetricDef LEVEL = MetricDef.gauge("test.level", DOUBLE, "1", "A ratio.", "k");
    private static final MetricDef BYTES = MetricDef.upDownCounter("test.bytes", INT, "By", BOOT, "Bytes in use.",
            "state");
    private static final MetricDef EVENTS = MetricDef.counter("test.events", INT, "{event}", AGENT_START,
            "Events since start.");
    private static final MetricDef SECONDS = MetricDef.counter("test.seconds", DOUBLE, "s", BOOT, "Busy time.");
    private static final MetricDef LATENCY = MetricDef.histogram("test.latency", "s", "How long it took.",
            List.of(0.1, 1.0), "op");

    private final Metrics metrics = new Metrics();
    private final OtlpEncoder encoder = new OtlpEncoder("0.1.0");

    @Test
    void everyInstrumentHasItsOtlpShapeValueTypeUnitAndDescription() {
        metrics.points(LEVEL).add(0.25, "a");
        metrics.points(BYTES).add(4096, "used");
        metrics.points(EVENTS).add(3);
        metrics.points(SECONDS).add(12.5);
        Histogram latency = metrics.histogram(LATENCY, "push");
        latency.record(0.05);
        latency.record(0.1);
        latency.record(0.5);
        latency.record(7);

        assertEquals("""
                test.bytes{state="used"} updowncounter By int 4096
                test.events counter {event} int 3
                test.latency{op="push"} histogram s count=4 sum=7.65 min=0.05 max=7 buckets=0.1:2,1:1,+Inf:1
                test.level{k="a"} gauge 1 double 0.25
                test.seconds counter s double 12.5
                """, OtlpText.render(encode()));
        Metric bytes = metric("test.bytes");
        assertEquals("Bytes in use.", bytes.getDescription());
        assertFalse(bytes.getSum().getIsMonotonic());
        assertTrue(metric("test.events").getSum().getIsMonotonic());
        assertEquals(AggregationTemporality.AGGREGATION_TEMPORALITY_CUMULATIVE,
                bytes.getSum().getAggregationTemporality());
        assertEquals(AggregationTemporality.AGGREGATION_TEMPORALITY_CUMULATIVE,
                metric("test.latency").getHistogram().getAggregationTemporality());
        assertEquals(List.of(0.1, 1.0), metric("test.latency").getHistogram().getDataPoints(0).getExplicitBoundsList());
    }

    @Test
    void sumsStartAtBootOrAgentStartHistogramsAtAgentStartAndGaugesHaveNoStart() {
        metrics.points(LEVEL).add(1.0, "a");
        metrics.points(BYTES).add(1, "used");
        metrics.points(EVENTS).add(1);
        metrics.histogram(LATENCY, "push");

        assertEquals(BOOT_NANOS, metric("test.bytes").getSum().getDataPoints(0).getStartTimeUnixNano());
        assertEquals(START, metric("test.events").getSum().getDataPoints(0).getStartTimeUnixNano());
        assertEquals(START, metric("test.latency").getHistogram().getDataPoints(0).getStartTimeUnixNano());
        assertEquals(0, metric("test.level").getGauge().getDataPoints(0).getStartTimeUnixNano());
        assertEquals(NOW, metric("test.level").getGauge().getDataPoints(0).getTimeUnixNano());
        assertFalse(metric("test.latency").getHistogram().getDataPoints(0).hasMin(), "nothing recorded yet");
        assertEquals(List.of(0L, 0L, 0L), metric("test.latency").getHistogram().getDataPoints(0).getBucketCountsList());
    }

    @Test
    void anUnknownBootStartsAtTheAgentsStartAndAStartAfterTheTimeIsClampedToIt() {
        metrics.points(BYTES).add(1, "used");
        metrics.points(EVENTS).add(1);

        assertEquals(START, encoder.encode(metrics, Map.of(), NOW, 0, START).getResourceMetrics(0)
                .getScopeMetrics(0).getMetrics(0).getSum().getDataPoints(0).getStartTimeUnixNano());
        ExportMetricsServiceRequest setBack = encoder.encode(metrics, Map.of(), START, NOW, NOW);
        for (Metric m : setBack.getResourceMetrics(0).getScopeMetrics(0).getMetricsList()) {
            assertEquals(START, m.getSum().getDataPoints(0).getStartTimeUnixNano(), m.getName());
        }
    }

    @Test
    void pointsAreSortedByAttributesAndAMetricWithoutPointsIsLeftOut() {
        Points bytes = metrics.points(BYTES);
        bytes.add(3, "used");
        bytes.add(1, "cached");
        bytes.add(2, "free");
        metrics.points(EVENTS);

        assertEquals("""
                test.bytes{state="cached"} updowncounter By int 1
                test.bytes{state="free"} updowncounter By int 2
                test.bytes{state="used"} updowncounter By int 3
                """, OtlpText.render(encode()));
    }

    @Test
    void theOrderPointsWereAddedInDoesNotChangeTheBytes() {
        Metrics other = new Metrics();
        metrics.points(BYTES).add(1, "a");
        metrics.points(BYTES).add(2, "b");
        metrics.histogram(LATENCY, "y");
        metrics.histogram(LATENCY, "x");
        other.histogram(LATENCY, "x");
        other.histogram(LATENCY, "y");
        other.points(BYTES).add(2, "b");
        other.points(BYTES).add(1, "a");

        assertArrayEquals(encode().toByteArray(),
                encoder.encode(other, Map.of("host.name", "h"), NOW, BOOT_NANOS, START).toByteArray());
    }

    @Test
    void oneResourceWithSortedAttributesAndTheAgentScope() {
        ResourceMetrics resource = encoder.encode(metrics,
                Map.of("service.name", "outpost-agent", "host.name", "web-1", "os.type", "linux"), NOW, BOOT_NANOS,
                START).getResourceMetrics(0);

        assertEquals(List.of("host.name=web-1", "os.type=linux", "service.name=outpost-agent"),
                resource.getResource().getAttributesList().stream()
                        .map(kv -> kv.getKey() + "=" + kv.getValue().getStringValue()).toList());
        assertEquals(1, resource.getScopeMetricsCount());
        assertEquals("dev.outpost.agent", resource.getScopeMetrics(0).getScope().getName());
        assertEquals("0.1.0", resource.getScopeMetrics(0).getScope().getVersion());
        assertEquals(0, resource.getScopeMetrics(0).getMetricsCount());
    }

    @Test
    void badArgumentsAreRejectedNamingTheValue() {
        assertEquals("scopeVersion must name the agent version, got \" \"",
                assertThrows(IllegalArgumentException.class, () -> new OtlpEncoder(" ")).getMessage());
        assertEquals("timeUnixNano 10, bootUnixNano 0 and agentStartUnixNano 0 must be nanoseconds since the epoch",
                assertThrows(IllegalArgumentException.class,
                        () -> encoder.encode(metrics, Map.of(), 10, 0, 0)).getMessage());
    }

    @Test
    void theBytesWrittenDirectlyEqualProtobufJavasForEveryInstrument() {
        metrics.points(LEVEL).add(0.25, "a");
        metrics.points(LEVEL).add(-0.0, "b");
        metrics.points(BYTES).add(4096, "used");
        metrics.points(BYTES).add(0, "free");
        metrics.points(BYTES).add(Long.MIN_VALUE, "cached");
        metrics.points(EVENTS).add(3);
        metrics.points(SECONDS).add(12.5);
        Histogram latency = metrics.histogram(LATENCY, "push");
        latency.record(0.05);
        latency.record(7);
        metrics.histogram(LATENCY, "idle");

        assertSameBytes(metrics, Map.of("host.name", "web-1", "service.name", "outpost-agent"), NOW, BOOT_NANOS,
                START);
        assertSameBytes(metrics, Map.of(), NOW, 0, START);
        assertSameBytes(new Metrics(), Map.of(), NOW, BOOT_NANOS, START);
    }

    @Test
    void theBytesWrittenDirectlyEqualProtobufJavasForOddTextAndLongMessages() {
        Points bytes = metrics.points(BYTES);
        bytes.add(1, "");
        bytes.add(2, "gr\u00fc\u00dfe \u65e5\u672c \ud83d\ude00");
        bytes.add(3, "unpaired \ud800 surrogate");
        Points level = metrics.points(LEVEL);
        for (int i = 0; i < 3000; i++) { // lengths of one, two and three varint bytes
            level.add(i / 7.0, "k" + "x".repeat(i % 200) + i);
        }
        assertSameBytes(metrics, Map.of("host.name", "h\u00f6st", "empty", ""), NOW, BOOT_NANOS, START);
    }

    @Test
    void aBatchOfThisHostEncodesToProtobufJavasBytes() {
        org.junit.jupiter.api.Assumptions.assumeTrue(java.nio.file.Files.isReadable(java.nio.file.Path.of("/proc/stat")),
                "needs Linux /proc");
        Metrics host = new Metrics();
        var collection = new dev.outpost.agent.collect.HostCollection(
                dev.outpost.agent.collect.OshiHostProbe.create(), host,
                dev.outpost.agent.collect.FilesystemFilter.defaults(), java.time.Clock.systemUTC());
        collection.collectOnce();
        collection.collectOnce();
        assertTrue(host.definitions().size() > 20, "the collectors' metrics and histograms");
        assertSameBytes(host, Map.of("host.name", "h", "service.name", "outpost-agent"), NOW, BOOT_NANOS, START);
    }

    private static void assertSameBytes(Metrics metrics, Map<String, String> resource, long now, long boot,
            long start) {
        byte[] reference = new BuilderEncoder("0.1.0").encode(metrics, resource, now, boot, start).toByteArray();
        assertArrayEquals(reference, new OtlpEncoder("0.1.0").encodeBytes(metrics, resource, now, boot, start));
    }

    private ExportMetricsServiceRequest encode() {
        return encoder.encode(metrics, Map.of("host.name", "h"), NOW, BOOT_NANOS, START);
    }

    private Metric metric(String name) {
        return encode().getResourceMetrics(0).getScopeMetrics(0).getMetricsList().stream()
                .filter(m -> m.getName().equals(name)).findFirst().orElseThrow();
    }
}
