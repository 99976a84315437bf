package dev.outpost.agent.otlp;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.DistributionSummary;
import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.FunctionTimer;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.LongTaskTimer;
import io.micrometer.core.instrument.Meter;
import io.micrometer.core.instrument.Measurement;
import io.micrometer.core.instrument.MockClock;
import io.micrometer.core.instrument.MultiGauge;
import io.micrometer.core.instrument.Statistic;
import io.micrometer.core.instrument.Tags;
import io.micrometer.core.instrument.TimeGauge;
import io.micrometer.core.instrument.Timer;
import io.micrometer.core.instrument.simple.SimpleConfig;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.opentelemetry.proto.collector.metrics.v1.ExportMetricsServiceRequest;
import io.opentelemetry.proto.metrics.v1.AggregationTemporality;
import io.opentelemetry.proto.metrics.v1.Metric;
import io.opentelemetry.proto.metrics.v1.ResourceMetrics;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

class OtlpEncoderTest {
    private static final long START = 1_795_000_000_000_000_000L;
    private static final long NOW = START + 60_000_000_000L;

    private final MockClock clock = new MockClock();
    private final SimpleMeterRegistry registry = cumulativeRegistry(clock);
    private final OtlpEncoder encoder = new OtlpEncoder("0.1.0");

    @Test
    void everyMeterKindMapsToItsOtlpKindAndUnit() {
        Counter.builder("outpost.agent.push.batches").tag("result", "ok").register(registry).increment(3);
        AtomicLong bytes = new AtomicLong(4096);
        FunctionCounter.builder("outpost.agent.queue.dropped", bytes, AtomicLong::get).baseUnit("bytes")
                .register(registry);
        Gauge.builder("outpost.agent.queue.depth", () -> 7).baseUnit("batches").register(registry);
        Gauge.builder("outpost.agent.cpu.ratio", () -> 0.25).register(registry);
        TimeGauge.builder("outpost.agent.cert.expiry", () -> 90, TimeUnit.MINUTES).register(registry);
        Timer timer = Timer.builder("outpost.agent.push.latency").register(registry);
        timer.record(Duration.ofMillis(250));
        timer.record(Duration.ofMillis(750));
        DistributionSummary summary = DistributionSummary.builder("outpost.agent.batch.size").baseUnit("bytes")
                .register(registry);
        summary.record(100);
        summary.record(300);
        FunctionTimer.builder("outpost.agent.gc", bytes, b -> 4, b -> 2.5, TimeUnit.SECONDS).register(registry);
        LongTaskTimer.builder("outpost.agent.enroll.active").register(registry).start();
        clock.add(Duration.ofSeconds(3));
        Meter.builder("outpost.agent.custom", Meter.Type.OTHER,
                List.of(new Measurement(() -> 5.0, Statistic.COUNT), new Measurement(() -> 1.5, Statistic.VALUE)))
                .register(registry);

        assertEquals("""
                outpost.agent.batch.size histogram By count=2 sum=400 max=300
                outpost.agent.cert.expiry gauge s 5400
                outpost.agent.cpu.ratio gauge 1 0.25
                outpost.agent.custom{statistic="count"} gauge 1 5
                outpost.agent.custom{statistic="value"} gauge 1 1.5
                outpost.agent.enroll.active gauge s 3
                outpost.agent.gc histogram s count=4 sum=2.5
                outpost.agent.push.batches{result="ok"} sum 1 3
                outpost.agent.push.latency histogram s count=2 sum=1 max=0.75
                outpost.agent.queue.depth gauge {batches} 7
                outpost.agent.queue.dropped sum By 4096
                """, OtlpText.render(encode()));
    }

    @Test
    void sumsAndHistogramsAreCumulativeWithStartTimeAndGaugesHaveNone() {
        Counter counter = registry.counter("jobs");
        counter.increment(3);
        clock.add(Duration.ofMinutes(5));
        counter.increment(2);
        registry.timer("work").record(Duration.ofSeconds(1));
        Gauge.builder("level", () -> 2.0).register(registry);

        List<Metric> metrics = encode().getResourceMetrics(0).getScopeMetrics(0).getMetricsList();

        Metric jobs = metrics.get(0);
        assertEquals(5.0, jobs.getSum().getDataPoints(0).getAsDouble(), "counts since start, not per step");
        assertEquals(AggregationTemporality.AGGREGATION_TEMPORALITY_CUMULATIVE,
                jobs.getSum().getAggregationTemporality());
        assertEquals(START, jobs.getSum().getDataPoints(0).getStartTimeUnixNano());
        assertEquals(NOW, jobs.getSum().getDataPoints(0).getTimeUnixNano());
        Metric level = metrics.get(1);
        assertEquals(0, level.getGauge().getDataPoints(0).getStartTimeUnixNano());
        assertEquals(NOW, level.getGauge().getDataPoints(0).getTimeUnixNano());
        Metric work = metrics.get(2);
        assertEquals(AggregationTemporality.AGGREGATION_TEMPORALITY_CUMULATIVE,
                work.getHistogram().getAggregationTemporality());
        assertEquals(START, work.getHistogram().getDataPoints(0).getStartTimeUnixNano());
        assertEquals(0, work.getHistogram().getDataPoints(0).getBucketCountsCount());
        assertEquals(0, work.getHistogram().getDataPoints(0).getExplicitBoundsCount());
    }

    @Test
    void pointsOfOneNameFormOneMetricSortedByAttributesAndNaNIsSkipped() {
        MultiGauge usage = MultiGauge.builder("system.filesystem.usage").baseUnit("bytes")
                .description("Filesystem bytes used").register(registry);
        usage.register(List.of(
                MultiGauge.Row.of(Tags.of("mountpoint", "/data", "state", "used"), 20),
                MultiGauge.Row.of(Tags.of("mountpoint", "/", "state", "used"), 10),
                MultiGauge.Row.of(Tags.of("mountpoint", "/", "state", "free"), 5),
                MultiGauge.Row.of(Tags.of("mountpoint", "/gone", "state", "free"), Double.NaN)));
        Gauge.builder("only.nan", () -> Double.NaN).register(registry);

        List<Metric> metrics = encode().getResourceMetrics(0).getScopeMetrics(0).getMetricsList();

        assertEquals(1, metrics.size(), "a metric whose only point is NaN is left out");
        assertEquals("Filesystem bytes used", metrics.get(0).getDescription());
        assertEquals("""
                system.filesystem.usage{mountpoint="/",state="free"} gauge By 5
                system.filesystem.usage{mountpoint="/",state="used"} gauge By 10
                system.filesystem.usage{mountpoint="/data",state="used"} gauge By 20
                """, OtlpText.render(encode()));
    }

    @Test
    void oneResourceWithSortedAttributesAndTheAgentScope() {
        registry.counter("c").increment();

        ResourceMetrics resource = encoder.encode(registry,
                Map.of("service.name", "outpost-agent", "host.name", "web-1", "os.type", "linux"), NOW, START)
                .getResourceMetrics(0);

        assertEquals(List.of("host.name=web-1", "os.type=linux", "service.name=outpost-agent"),
                resource.getResource().getAttributesList().stream()
                        .map(kv -> kv.getKey() + "=" + kv.getValue().getStringValue()).toList());
        assertEquals(1, resource.getScopeMetricsCount());
        assertEquals("dev.outpost.agent", resource.getScopeMetrics(0).getScope().getName());
        assertEquals("0.1.0", resource.getScopeMetrics(0).getScope().getVersion());
    }

    @Test
    void registrationOrderDoesNotChangeTheBytes() {
        SimpleMeterRegistry other = cumulativeRegistry(new MockClock());
        registry.counter("b", "k", "2").increment();
        registry.counter("b", "k", "1").increment();
        Gauge.builder("a", () -> 1.0).register(registry);
        Gauge.builder("a", () -> 1.0).register(other);
        other.counter("b", "k", "1").increment();
        other.counter("b", "k", "2").increment();

        assertArrayEquals(encode().toByteArray(),
                encoder.encode(other, Map.of("host.name", "h"), NOW, START).toByteArray());
    }

    @Test
    void emptyRegistryGivesOneEmptyScope() {
        ExportMetricsServiceRequest request = encode();

        assertEquals(1, request.getResourceMetricsCount());
        assertEquals(0, request.getResourceMetrics(0).getScopeMetrics(0).getMetricsCount());
    }

    @Test
    void badArgumentsAreRejectedNamingTheValue() {
        assertEquals("scopeVersion must name the agent version, got \" \"",
                assertThrows(IllegalArgumentException.class, () -> new OtlpEncoder(" ")).getMessage());
        assertEquals("timeUnixNano 10 and startTimeUnixNano 0 must be positive nanoseconds since the epoch",
                assertThrows(IllegalArgumentException.class,
                        () -> encoder.encode(registry, Map.of(), 10, 0)).getMessage());
    }

    @Test
    void startAfterTimeAfterTheClockWasSetBackIsClampedToTime() {
        registry.counter("c").increment();

        ExportMetricsServiceRequest request = encoder.encode(registry, Map.of(), START, NOW);

        assertEquals(START, request.getResourceMetrics(0).getScopeMetrics(0).getMetrics(0).getSum()
                .getDataPoints(0).getStartTimeUnixNano());
    }

    @Test
    void unitsFollowOpenTelemetry() {
        assertEquals("s", OtlpUnits.of("seconds"));
        assertEquals("By", OtlpUnits.of("bytes"));
        assertEquals("1", OtlpUnits.of(null));
        assertEquals("1", OtlpUnits.of(""));
        assertEquals("%", OtlpUnits.of("percent"));
        assertEquals("{threads}", OtlpUnits.of("threads"));
        assertEquals("{packets}", OtlpUnits.of("{packets}"));
        assertEquals("By", OtlpUnits.of("By"));
        assertEquals("ms", OtlpUnits.of("ms"));
        assertEquals("s", OtlpUnits.of("s"));
    }

    private ExportMetricsServiceRequest encode() {
        return encoder.encode(registry, Map.of("host.name", "h"), NOW, START);
    }

    private static SimpleMeterRegistry cumulativeRegistry(MockClock clock) {
        SimpleConfig config = key -> key.equals("simple.mode") ? "CUMULATIVE" : null;
        return new SimpleMeterRegistry(config, clock);
    }
}
