package dev.outpost.agent.otlp;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.outpost.agent.metrics.MetricDef;
import dev.outpost.agent.metrics.Metrics;
import dev.outpost.agent.metrics.Points;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;

class PointOrderTest {
    private static final MetricDef TWO_KEYS = MetricDef.gauge("test.two", MetricDef.ValueType.INT, "1", "Two keys.",
            "device", "direction");
    private static final MetricDef NO_KEYS = MetricDef.gauge("test.none", MetricDef.ValueType.INT, "1", "No keys.");
    private static final MetricDef LATENCY = MetricDef.histogram("test.latency", "s", "How long it took.",
            List.of(0.1, 1.0), "op");

    @Test
    void theIndexSortOrdersAsTheJdksStableSortWithAComparatorDid() {
        Random random = new Random(12);
        String[] devices = {"cpu0", "cpu1", "cpu10", "cpu2", "eth0", "lo", "", "é", "Z"};
        String[] directions = {"receive", "transmit", "user", "idle"};
        for (int round = 0; round < 400; round++) {
            Metrics metrics = new Metrics();
            Points points = metrics.points(TWO_KEYS);
            int n = random.nextInt(round < 10 ? 3 : 120);
            boolean sortedInput = round % 5 == 0;
            for (int i = 0; i < n; i++) {
                String device = sortedInput ? devices[Math.min(devices.length - 1, i / 8)]
                        : devices[random.nextInt(devices.length)];
                // Equal attribute pairs are frequent: their order (told apart by value) must stay as added.
                points.add(i, device, directions[random.nextInt(directions.length)]);
            }
            assertArrayEquals(BuilderEncoder.sortedByComparator(points), PointOrder.sorted(points), "round " + round);
        }
    }

    @Test
    void pointsWithoutAttributesKeepTheirOrder() {
        Points points = new Metrics().points(NO_KEYS);
        points.add(3);
        points.add(1);
        points.add(2);
        assertArrayEquals(new int[] {0, 1, 2}, PointOrder.sorted(points));
    }

    @Test
    void aHistogramSeriesRegisteredAfterTheFirstEncodeIsSentInItsPlace() {
        Metrics metrics = new Metrics();
        OtlpEncoder encoder = new OtlpEncoder("0.1.0");
        long now = 1_795_000_060_000_000_000L;
        metrics.histogram(LATENCY, "write").record(0.5);
        metrics.histogram(LATENCY, "push").record(0.05);
        assertEquals("""
                test.latency{op="push"} histogram s count=1 sum=0.05 min=0.05 max=0.05 buckets=0.1:1,1:0,+Inf:0
                test.latency{op="write"} histogram s count=1 sum=0.5 min=0.5 max=0.5 buckets=0.1:0,1:1,+Inf:0
                """, render(encoder, metrics, now));

        metrics.histogram(LATENCY, "read").record(2);
        assertEquals("""
                test.latency{op="push"} histogram s count=1 sum=0.05 min=0.05 max=0.05 buckets=0.1:1,1:0,+Inf:0
                test.latency{op="read"} histogram s count=1 sum=2 min=2 max=2 buckets=0.1:0,1:0,+Inf:1
                test.latency{op="write"} histogram s count=1 sum=0.5 min=0.5 max=0.5 buckets=0.1:0,1:1,+Inf:0
                """, render(encoder, metrics, now));
        assertArrayEquals(new BuilderEncoder("0.1.0").encode(metrics, Map.of("host.name", "h"), now, 0, now)
                .toByteArray(), encoder.encodeBytes(metrics, Map.of("host.name", "h"), now, 0, now));
    }

    private static String render(OtlpEncoder encoder, Metrics metrics, long now) {
        return OtlpText.render(encoder.encode(metrics, Map.of("host.name", "h"), now, 0, now));
    }
}
