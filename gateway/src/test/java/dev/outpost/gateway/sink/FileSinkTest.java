package dev.outpost.gateway.sink;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.outpost.gateway.ca.AgentIdentity;
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
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
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
                .setResource(Resource.newBuilder().addAttributes(kv("host.name", "web-1")))
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
                        + "\"unit\":\"s\",\"attributes\":{\"cpu\":\"cpu0\",\"state\":\"user\"},"
                        + "\"batch\":\"a-3f9a0c1b2d4e5f60:42\",\"value\":1234.5}",
                "{\"time\":\"2026-11-22T05:20:00.123Z\"," + common + "\"metric\":\"system.cpu.load_average.1m\","
                        + "\"kind\":\"gauge\",\"unit\":\"{thread}\",\"attributes\":{},"
                        + "\"batch\":\"a-3f9a0c1b2d4e5f60:42\",\"value\":0.25}",
                "{\"time\":\"2026-11-22T05:20:00.123Z\"," + common + "\"metric\":\"system.process.count\","
                        + "\"kind\":\"gauge\",\"unit\":\"{process}\",\"attributes\":{},"
                        + "\"batch\":\"a-3f9a0c1b2d4e5f60:42\",\"value\":312}",
                "{\"time\":\"2026-11-22T05:20:00.123Z\"," + common + "\"metric\":\"outpost.agent.push.duration\","
                        + "\"kind\":\"histogram\",\"unit\":\"s\",\"attributes\":{},"
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

    private List<String> names() throws Exception {
        try (Stream<Path> s = Files.list(dir)) {
            return s.map(p -> p.getFileName().toString()).sorted().toList();
        }
    }
}
