package dev.outpost.agent.collect;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.outpost.agent.MutableClock;
import dev.outpost.agent.metrics.Metrics;
import dev.outpost.agent.otlp.Golden;
import dev.outpost.agent.otlp.OtlpEncoder;
import dev.outpost.agent.otlp.OtlpText;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** Collectors over fixture hosts, encoded to OTLP and compared line by line with golden files. */
class HostCollectionGoldenTest {
    private static final long START = Instant.parse("2026-11-22T05:00:00Z").toEpochMilli() * 1_000_000;

    private final FixtureHostProbe probe = new FixtureHostProbe("basic");
    private final Metrics metrics = new Metrics();
    private final HostCollection collection = new HostCollection(probe, metrics, FilesystemFilter.defaults(),
            MutableClock.stepping(Instant.parse("2026-11-22T05:20:00Z"), Duration.ofMillis(1)));

    @Test
    void basicHostMatchesGoldenFile() {
        collection.collectOnce();

        Golden.assertMatches("basic", render());
    }

    @Test
    void nextCycleUpdatesCountersAndDropsUnmountedFilesystemRemovedInterfaceAndSwap() {
        collection.collectOnce();
        probe.use("later");
        collection.collectOnce();

        String text = render();
        Golden.assertMatches("later", text);
        assertEquals(0, text.lines().filter(l -> l.contains("mountpoint=\"/data\"")).count());
        assertEquals(0, text.lines().filter(l -> l.contains("device=\"eth0\"")).count());
        assertEquals(0, text.lines().filter(l -> l.startsWith("system.paging.usage")).count(),
                "a host without swap has no paging usage points, as the receiver");
        assertEquals(3, text.lines().filter(l -> l.startsWith("system.filesystem.usage{device=\"/dev/sda1\"")).count());
    }

    @Test
    void osCountersStartAtBootAndTheAgentsOwnAtItsStart() {
        collection.collectOnce();

        var scope = encode().getResourceMetrics(0).getScopeMetrics(0);
        long boot = 1795142400L * 1_000_000_000L;
        for (var metric : scope.getMetricsList()) {
            if (metric.hasSum()) {
                long expected = metric.getName().startsWith("system.") ? boot : START;
                metric.getSum().getDataPointsList().forEach(p -> assertEquals(expected, p.getStartTimeUnixNano(),
                        metric.getName()));
            } else if (metric.hasHistogram()) {
                metric.getHistogram().getDataPointsList().forEach(p -> assertEquals(START, p.getStartTimeUnixNano(),
                        metric.getName()));
            } else {
                metric.getGauge().getDataPointsList().forEach(p -> assertEquals(0, p.getStartTimeUnixNano(),
                        metric.getName()));
            }
        }
    }

    private io.opentelemetry.proto.collector.metrics.v1.ExportMetricsServiceRequest encode() {
        return new OtlpEncoder("1.2.3").encode(metrics, Map.of("host.name", "web-1"), START + 1_000_000_000L,
                collection.bootTimeSeconds() * 1_000_000_000L, START);
    }

    private String render() {
        return OtlpText.render(encode());
    }
}
