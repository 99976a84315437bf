package dev.outpost.agent.metrics;

import static dev.outpost.agent.metrics.MetricDef.Since.BOOT;
import static dev.outpost.agent.metrics.MetricDef.ValueType.DOUBLE;
import static dev.outpost.agent.metrics.MetricDef.ValueType.INT;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.List;
import org.junit.jupiter.api.Test;

/** The metric model refuses what could not go on the wire as defined, and says which metric and why. */
class MetricsTest {
    private static final MetricDef BYTES = MetricDef.upDownCounter("test.bytes", INT, "By", BOOT, "Bytes.",
            "device", "state");
    private final Metrics metrics = new Metrics();

    @Test
    void pointsTakeTheirValueTypeAndEveryAttributeInOrder() {
        Points points = metrics.points(BYTES);
        points.add(7, "sda", "used");
        assertEquals(1, points.size());
        assertEquals("sda", points.attribute(0, 0));
        assertEquals("used", points.attribute(0, 1));
        assertEquals(7, points.longValue(0));

        assertEquals("test.bytes holds ints, not the double 1.5",
                assertThrows(IllegalArgumentException.class, () -> points.add(1.5, "sda", "used")).getMessage());
        assertEquals("test.bytes takes attributes [device, state], got [sda]",
                assertThrows(IllegalArgumentException.class, () -> points.add(1, "sda")).getMessage());
        assertEquals("test.bytes: attribute state is null",
                assertThrows(IllegalArgumentException.class, () -> points.add(1, "sda", null)).getMessage());
    }

    @Test
    void aDoubleMustBeANumber() {
        Points ratio = metrics.points(MetricDef.gauge("test.ratio", DOUBLE, "1", "A ratio."));
        assertEquals("test.ratio: NaN is not a number to send",
                assertThrows(IllegalArgumentException.class, () -> ratio.add(Double.NaN)).getMessage());
        assertEquals("test.ratio holds doubles, not the int 1",
                assertThrows(IllegalArgumentException.class, () -> ratio.add(1L)).getMessage());
    }

    @Test
    void storageGrowsAndIsReusedAfterClear() {
        Points points = metrics.points(BYTES);
        for (int i = 0; i < 100; i++) {
            points.add(i, "d" + i, "used");
        }
        assertEquals(100, points.size());
        assertEquals("d99", points.attribute(99, 0));
        points.clear();
        assertEquals(0, points.size());
        points.add(5, "x", "free");
        assertEquals(5, points.longValue(0));
    }

    @Test
    void theRegisteredListIsKeptUntilSomethingIsRegisteredAndThenShowsIt() {
        Metrics metrics = new Metrics();
        MetricDef latency = MetricDef.histogram("test.latency", "s", "How long.", List.of(1.0), "op");
        Points bytes = metrics.points(BYTES);
        Histogram push = metrics.histogram(latency, "push");
        List<Metrics.Registered> first = metrics.registered();
        assertEquals(List.of(new Metrics.Registered(BYTES, bytes, List.of()),
                new Metrics.Registered(latency, null, List.of(push))), first);
        metrics.points(BYTES); // already registered: nothing new
        assertSame(first, metrics.registered());

        Histogram read = metrics.histogram(latency, "read");
        MetricDef level = MetricDef.gauge("test.a.level", DOUBLE, "1", "A level.");
        Points levels = metrics.points(level);
        assertEquals(List.of(new Metrics.Registered(level, levels, List.of()),
                new Metrics.Registered(BYTES, bytes, List.of()),
                new Metrics.Registered(latency, null, List.of(push, read))), metrics.registered());
    }

    @Test
    void oneNameHasOneDefinition() {
        assertSame(metrics.points(BYTES), metrics.points(BYTES));
        MetricDef other = MetricDef.counter("test.bytes", INT, "By", BOOT, "Bytes.", "device", "state");
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> metrics.points(other));
        assertEquals(true, e.getMessage().startsWith("metric test.bytes is already defined as "), e.getMessage());
    }

    @Test
    void definitionsRejectShapesOtlpCannotCarry() {
        assertEquals("metric name \"Bad Name\" is not a dotted lower-case name", assertThrows(
                IllegalArgumentException.class, () -> MetricDef.gauge("Bad Name", INT, "1", "x")).getMessage());
        assertEquals("test.h: bucket bounds [1.0, 1.0] must ascend strictly", assertThrows(
                IllegalArgumentException.class, () -> MetricDef.histogram("test.h", "s", "x", List.of(1.0, 1.0)))
                .getMessage());
        assertEquals("test.h: exactly histograms have bucket bounds and a double sum", assertThrows(
                IllegalArgumentException.class, () -> MetricDef.histogram("test.h", "s", "x", List.of()))
                .getMessage());
        assertEquals("test.g: unit \"\" and description \"x\" must not be blank", assertThrows(
                IllegalArgumentException.class, () -> MetricDef.gauge("test.g", INT, "", "x")).getMessage());
    }

    @Test
    void histogramBucketsIncludeTheirUpperBound() {
        Histogram h = metrics.histogram(MetricDef.histogram("test.h", "s", "x", List.of(0.1, 1.0), "op"), "push");
        for (double v : new double[] {0.0, 0.1, 0.10001, 1.0, 2.0}) {
            h.record(v);
        }
        Histogram.Snapshot s = h.snapshot();
        assertArrayEquals(new long[] {2, 2, 1}, s.bucketCounts());
        assertEquals(5, s.count());
        assertEquals(3.20001, s.sum(), 1e-12);
        assertEquals(0.0, s.min());
        assertEquals(2.0, s.max());
        assertEquals("test.h: cannot record -1.0", assertThrows(IllegalArgumentException.class,
                () -> h.record(-1)).getMessage());
        assertEquals("test.h already has a series [push]", assertThrows(IllegalArgumentException.class,
                () -> metrics.histogram(h.def(), "push")).getMessage());
    }
}
