package dev.outpost.gateway.sink;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.outpost.gateway.ca.AgentIdentity;
import dev.outpost.gateway.sink.MetricSink.Position;
import io.opentelemetry.proto.collector.metrics.v1.ExportMetricsServiceRequest;
import io.opentelemetry.proto.common.v1.AnyValue;
import io.opentelemetry.proto.common.v1.KeyValue;
import io.opentelemetry.proto.metrics.v1.Gauge;
import io.opentelemetry.proto.metrics.v1.Histogram;
import io.opentelemetry.proto.metrics.v1.HistogramDataPoint;
import io.opentelemetry.proto.metrics.v1.Metric;
import io.opentelemetry.proto.metrics.v1.NumberDataPoint;
import io.opentelemetry.proto.metrics.v1.ResourceMetrics;
import io.opentelemetry.proto.metrics.v1.ScopeMetrics;
import io.opentelemetry.proto.metrics.v1.Sum;
import io.opentelemetry.proto.resource.v1.Resource;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class FileSinkTest {
    static final long T = Instant.parse("2026-11-22T05:20:00.123Z").getEpochSecond() * 1_000_000_000L + 123_000_000L;
    static final AgentIdentity ID = new AgentIdentity("acme", "a-3f9a0c1b2d4e5f60");
    @TempDir
    Path dir;

    static KeyValue kv(String k, String v) {
        return KeyValue.newBuilder().setKey(k).setValue(AnyValue.newBuilder().setStringValue(v)).build();
    }

    static ExportMetricsServiceRequest batch() {
        Metric cpu = Metric.newBuilder().setName("system.cpu.time").setUnit("s").setSum(Sum.newBuilder()
                .setIsMonotonic(true).addDataPoints(NumberDataPoint.newBuilder().setTimeUnixNano(T).setAsDouble(1234.5)
                        .addAttributes(kv("cpu", "cpu0")).addAttributes(kv("state", "user")))).build();
        Metric load = Metric.newBuilder().setName("system.cpu.load_average.1m").setUnit("{thread}").setGauge(
                Gauge.newBuilder().addDataPoints(NumberDataPoint.newBuilder().setTimeUnixNano(T).setAsDouble(0.25)))
                .build();
        Metric procs = Metric.newBuilder().setName("system.process.count").setUnit("{process}").setGauge(
                Gauge.newBuilder().addDataPoints(NumberDataPoint.newBuilder().setTimeUnixNano(T).setAsInt(312))).build();
        Metric push = Metric.newBuilder().setName("outpost.agent.push.duration").setUnit("s").setHistogram(
                Histogram.newBuilder().addDataPoints(HistogramDataPoint.newBuilder().setTimeUnixNano(T).setCount(4)
                        .setSum(0.5).setMax(0.25))).build();
        return ExportMetricsServiceRequest.newBuilder().addResourceMetrics(ResourceMetrics.newBuilder()
                .setResource(Resource.newBuilder().addAttributes(kv("host.name", "web-1")).addAttributes(kv("env", "prod"))
                        .addAttributes(kv("outpost.org.id", "acme")))
                .addScopeMetrics(ScopeMetrics.newBuilder().addMetrics(cpu).addMetrics(load).addMetrics(procs)
                        .addMetrics(push))).build();
    }

    @Test
    void oneJsonObjectPerDataPointInTheDocumentedFormat() throws Exception {
        Clock clock = Clock.fixed(Instant.parse("2026-11-22T05:20:01Z"), ZoneOffset.UTC);
        try (FileSink sink = new FileSink(dir, 1 << 20, 5, clock)) {
            assertEquals(4, sink.write(ID, "a-3f9a0c1b2d4e5f60:42", batch()));
        }
        Path file = dir.resolve("metrics-20261122T052001Z-000001.ndjson");
        String common = "\"org\":\"acme\",\"agent\":\"a-3f9a0c1b2d4e5f60\",\"host\":\"web-1\",";
        assertEquals(List.of(
                "{\"time\":\"2026-11-22T05:20:00.123Z\"," + common + "\"metric\":\"system.cpu.time\",\"kind\":\"sum\","
                        + "\"unit\":\"s\",\"attributes\":{\"cpu\":\"cpu0\",\"state\":\"user\"},\"resource\":{\"env\":\"prod\"},"
                        + "\"batch\":\"a-3f9a0c1b2d4e5f60:42\",\"value\":1234.5}",
                "{\"time\":\"2026-11-22T05:20:00.123Z\"," + common + "\"metric\":\"system.cpu.load_average.1m\","
                        + "\"kind\":\"gauge\",\"unit\":\"{thread}\",\"attributes\":{},\"resource\":{\"env\":\"prod\"},"
                        + "\"batch\":\"a-3f9a0c1b2d4e5f60:42\",\"value\":0.25}",
                "{\"time\":\"2026-11-22T05:20:00.123Z\"," + common + "\"metric\":\"system.process.count\","
                        + "\"kind\":\"gauge\",\"unit\":\"{process}\",\"attributes\":{},\"resource\":{\"env\":\"prod\"},"
                        + "\"batch\":\"a-3f9a0c1b2d4e5f60:42\",\"value\":312}",
                "{\"time\":\"2026-11-22T05:20:00.123Z\"," + common + "\"metric\":\"outpost.agent.push.duration\","
                        + "\"kind\":\"histogram\",\"unit\":\"s\",\"attributes\":{},\"resource\":{\"env\":\"prod\"},"
                        + "\"batch\":\"a-3f9a0c1b2d4e5f60:42\",\"value\":0.5,\"count\":4,\"max\":0.25}"),
                Files.readAllLines(file));
    }

    @Test
    void rotatesBySizeKeepsAtMostMaxFilesAndResumesAfterRestart() throws Exception {
        Clock clock = Clock.fixed(Instant.parse("2026-11-22T05:20:01Z"), ZoneOffset.UTC);
        try (FileSink sink = new FileSink(dir, 1024, 3, clock)) {
            // two resources: 8 rows, about 1.8 KiB, so every batch starts a new file
            ExportMetricsServiceRequest big = batch().toBuilder().addResourceMetrics(batch().getResourceMetrics(0)).build();
            for (int i = 0; i < 10; i++) {
                assertEquals(8, sink.write(ID, "b" + i, big));
            }
        }
        List<String> names = names();
        assertEquals(3, names.size(), names.toString());
        assertEquals("metrics-20261122T052001Z-000010.ndjson", names.get(2));
        long lines = 0;
        for (String n : names) {
            lines += Files.readAllLines(dir.resolve(n)).size();
        }
        assertEquals(24, lines, "the 3 newest files, one 8-row batch each");

        try (FileSink sink = new FileSink(dir, 1024, 3, clock)) {
            sink.write(ID, "b10", batch());
        }
        assertEquals("metrics-20261122T052001Z-000011.ndjson", names().get(2));
        assertTrue(Files.readString(dir.resolve(names().get(2))).contains("\"batch\":\"b10\""));
    }

    @Test
    void reportsWhereEachBatchStartsAndUndoCutsTheFileBackToIt() throws Exception {
        Clock clock = Clock.fixed(Instant.parse("2026-11-22T05:20:01Z"), ZoneOffset.UTC);
        String name = "metrics-20261122T052001Z-000001.ndjson";
        Path file = dir.resolve(name);
        try (FileSink sink = new FileSink(dir, 1 << 20, 5, clock)) {
            List<Position> starts = new ArrayList<>();
            sink.write(ID, "b1", batch(), starts::add);
            long afterFirst = Files.size(file);
            sink.write(ID, "b2", batch(), starts::add);
            assertEquals(List.of(new Position(name, 0), new Position(name, afterFirst)), starts);

            assertEquals(Files.size(file) - afterFirst, sink.undo(starts.get(1)));
            assertEquals(afterFirst, Files.size(file));
            assertEquals(0, sink.undo(starts.get(1)), "undoing twice is harmless");
            IOException refused = assertThrows(IOException.class,
                    () -> sink.write(ID, "b3", batch(), start -> {
                        throw new IOException("not recorded");
                    }));
            assertEquals("not recorded", refused.getMessage());
            assertEquals(afterFirst, Files.size(file), "nothing written when the hook fails");
            sink.write(ID, "b4", batch());
            IOException e = assertThrows(IOException.class, () -> sink.undo(new Position("../state.db", 0)));
            assertEquals("sink position names \"../state.db\", which is not a file of the sink in " + dir,
                    e.getMessage());
        }
        assertEquals(List.of("b1", "b1", "b1", "b1", "b4", "b4", "b4", "b4"), Files.readAllLines(file).stream()
                .map(l -> l.replaceAll(".*\"batch\":\"([^\"]*)\".*", "$1")).toList());
    }

    @Test
    void undoReachesAFileRotatedAwayAndIgnoresOneDeleted() throws Exception {
        Clock clock = Clock.fixed(Instant.parse("2026-11-22T05:20:01Z"), ZoneOffset.UTC);
        ExportMetricsServiceRequest big = batch().toBuilder().addResourceMetrics(batch().getResourceMetrics(0)).build();
        try (FileSink sink = new FileSink(dir, 1024, 2, clock)) {
            List<Position> starts = new ArrayList<>();
            for (int i = 0; i < 3; i++) {
                sink.write(ID, "b" + i, big, starts::add);
            }
            assertEquals(List.of("metrics-20261122T052001Z-000002.ndjson", "metrics-20261122T052001Z-000003.ndjson"),
                    names());
            assertEquals(0, sink.undo(starts.get(0)), "its file was deleted by rotation");
            Path second = dir.resolve(starts.get(1).location());
            long size = Files.size(second);
            assertEquals(size - 100, sink.undo(new Position(starts.get(1).location(), 100)));
            assertEquals(100, Files.size(second));
        }
    }

    private List<String> names() throws Exception {
        try (Stream<Path> s = Files.list(dir)) {
            return s.map(p -> p.getFileName().toString()).sorted().toList();
        }
    }
}
