package dev.outpost.gateway.sink.file;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.outpost.gateway.MutableClock;
import dev.outpost.gateway.ca.AgentIdentity;
import dev.outpost.gateway.config.FileSinkConfig;
import dev.outpost.gateway.config.FileSinkConfig.Compression;
import dev.outpost.gateway.ingest.BatchKey;
import dev.outpost.gateway.ingest.StampedBatch;
import dev.outpost.gateway.sink.MetricSink.Position;
import dev.outpost.gateway.sink.SinkUnavailableException;
import io.opentelemetry.proto.collector.metrics.v1.ExportMetricsServiceRequest;
import io.opentelemetry.proto.common.v1.AnyValue;
import io.opentelemetry.proto.common.v1.KeyValue;
import io.opentelemetry.proto.metrics.v1.AggregationTemporality;
import io.opentelemetry.proto.metrics.v1.Gauge;
import io.opentelemetry.proto.metrics.v1.Histogram;
import io.opentelemetry.proto.metrics.v1.HistogramDataPoint;
import io.opentelemetry.proto.metrics.v1.Metric;
import io.opentelemetry.proto.metrics.v1.NumberDataPoint;
import io.opentelemetry.proto.metrics.v1.ResourceMetrics;
import io.opentelemetry.proto.metrics.v1.ScopeMetrics;
import io.opentelemetry.proto.metrics.v1.Sum;
import io.opentelemetry.proto.resource.v1.Resource;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import java.util.zip.GZIPInputStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The file sink's format, per-org files, undo, rotation and retention, on real files. */
class FileSinkTest {
    static final long T = Instant.parse("2026-11-22T05:20:00.123Z").getEpochSecond() * 1_000_000_000L + 123_000_000L;
    static final AgentIdentity ACME = new AgentIdentity("acme", "a-3f9a0c1b2d4e5f60");
    static final AgentIdentity GLOBEX = new AgentIdentity("globex", "a-00000000000000bb");
    final MutableClock clock = new MutableClock(Instant.parse("2026-11-22T05:20:01Z"));
    @TempDir
    Path dir;

    static KeyValue kv(String k, String v) {
        return KeyValue.newBuilder().setKey(k).setValue(AnyValue.newBuilder().setStringValue(v)).build();
    }

    static ExportMetricsServiceRequest batch() {
        Metric cpu = Metric.newBuilder().setName("system.cpu.time").setUnit("s").setSum(Sum.newBuilder()
                .setIsMonotonic(true).setAggregationTemporality(AggregationTemporality.AGGREGATION_TEMPORALITY_CUMULATIVE)
                .addDataPoints(NumberDataPoint.newBuilder().setTimeUnixNano(T).setStartTimeUnixNano(T - 60_000_000_000L)
                        .setAsDouble(1234.5).addAttributes(kv("cpu", "cpu0")).addAttributes(kv("state", "user")))
                .addDataPoints(NumberDataPoint.newBuilder().setTimeUnixNano(T).setStartTimeUnixNano(T - 60_000_000_000L)
                        .setAsDouble(Double.NaN).addAttributes(kv("cpu", "cpu0")).addAttributes(kv("state", "idle"))))
                .build();
        Metric procs = Metric.newBuilder().setName("system.processes.count").setUnit("{processes}").setGauge(
                Gauge.newBuilder().addDataPoints(NumberDataPoint.newBuilder().setTimeUnixNano(T).setAsInt(312))).build();
        Metric push = Metric.newBuilder().setName("outpost.agent.push.duration").setUnit("s").setHistogram(
                Histogram.newBuilder().setAggregationTemporality(AggregationTemporality.AGGREGATION_TEMPORALITY_CUMULATIVE)
                        .addDataPoints(HistogramDataPoint.newBuilder().setTimeUnixNano(T).setCount(4).setSum(0.5)
                                .setMax(Double.POSITIVE_INFINITY).addExplicitBounds(0.1).addExplicitBounds(1)
                                .addBucketCounts(1).addBucketCounts(3).addBucketCounts(0))).build();
        return ExportMetricsServiceRequest.newBuilder().addResourceMetrics(ResourceMetrics.newBuilder()
                .setResource(Resource.newBuilder().addAttributes(kv("host.name", "web-1")).addAttributes(kv("env", "prod"))
                        .addAttributes(kv("outpost.org.id", "acme")))
                .addScopeMetrics(ScopeMetrics.newBuilder().addMetrics(cpu).addMetrics(procs).addMetrics(push))).build();
    }

    static StampedBatch stamped(AgentIdentity id, String key, ExportMetricsServiceRequest batch) {
        return new StampedBatch(id, BatchKey.parse(key), key, batch, 4, T, batch.getSerializedSize());
    }

    /** {@code n} batches of {@code id} in one delivery, keys prefix0, prefix1, ... */
    static List<StampedBatch> many(AgentIdentity id, String prefix, int n) {
        List<StampedBatch> out = new ArrayList<>(n);
        for (int i = 0; i < n; i++) {
            out.add(stamped(id, prefix + i, batch()));
        }
        return out;
    }

    static FileSinkConfig config(long maxFileBytes, long maxTotal, long maxOrg, Duration maxAge, int maxFiles,
            Compression compression) {
        return new FileSinkConfig(Path.of("metrics"), maxFileBytes, Duration.ofHours(1), maxTotal, maxOrg, maxAge,
                maxFiles, compression);
    }

    static final FileSinkConfig PLAIN = config(1 << 20, 16L << 20, 0, Duration.ofDays(7), 1000, Compression.NONE);

    @Test
    void oneLineForTheResourceAndOneLinePerMetricInTheDocumentedFormat() throws Exception {
        try (FileSink sink = new FileSink(dir, PLAIN, clock)) {
            sink.deliver(List.of(stamped(ACME, "a-3f9a0c1b2d4e5f60:42", batch())), starts -> { });
        }
        Path file = dir.resolve("acme/metrics-20261122T052001Z-000001.ndjson");
        String common = "{\"time\":\"2026-11-22T05:20:00.123Z\",\"org\":\"acme\",\"agent\":\"a-3f9a0c1b2d4e5f60\","
                + "\"host\":\"web-1\",\"batch\":\"a-3f9a0c1b2d4e5f60:42\",";
        assertEquals(List.of(
                common + "\"resource\":{\"env\":\"prod\"}}",
                common + "\"metric\":\"system.cpu.time\",\"kind\":\"sum\",\"unit\":\"s\",\"monotonic\":true,"
                        + "\"temporality\":\"cumulative\",\"points\":["
                        + "{\"attributes\":{\"cpu\":\"cpu0\",\"state\":\"user\"},\"start\":\"2026-11-22T05:19:00.123Z\","
                        + "\"value\":1234.5},"
                        + "{\"attributes\":{\"cpu\":\"cpu0\",\"state\":\"idle\"},\"start\":\"2026-11-22T05:19:00.123Z\","
                        + "\"value\":null}]}",
                common + "\"metric\":\"system.processes.count\",\"kind\":\"gauge\",\"unit\":\"{processes}\","
                        + "\"points\":[{\"attributes\":{},\"value\":312}]}",
                common + "\"metric\":\"outpost.agent.push.duration\",\"kind\":\"histogram\",\"unit\":\"s\","
                        + "\"temporality\":\"cumulative\",\"points\":[{\"attributes\":{},\"count\":4,\"sum\":0.5,"
                        + "\"max\":null,\"bounds\":[0.1,1.0],\"counts\":[1,3,0]}]}"),
                Files.readAllLines(file));
    }

    @Test
    void batchesRenderedOnTheThreadsThatAcceptedThemAreWrittenAsIfRenderedInTheDelivery() throws Exception {
        byte[] body = batch().toByteArray();
        List<StampedBatch> asIs = new ArrayList<>();
        List<StampedBatch> prepared = new ArrayList<>();
        for (int i = 0; i < 3; i++) {
            AgentIdentity id = i == 1 ? GLOBEX : ACME;
            asIs.add(StampedBatch.accepted(id, null, "k" + i, body, false, 4, T));
            prepared.add(StampedBatch.accepted(id, null, "k" + i, body, false, 4, T));
        }
        Path one = dir.resolve("one");
        Path two = dir.resolve("two");
        try (FileSink a = new FileSink(one, PLAIN, clock); FileSink b = new FileSink(two, PLAIN, clock)) {
            a.deliver(asIs, starts -> { });
            Thread other = new Thread(() -> prepared.forEach(b::prepare));
            other.start();
            other.join();
            assertTrue(prepared.stream().allMatch(p -> p.prepared() instanceof byte[]), "each rendered beforehand");
            b.deliver(prepared, starts -> { });
        }
        for (String org : List.of("acme", "globex")) {
            Path name = Path.of(org, "metrics-20261122T052001Z-000001.ndjson");
            assertEquals(Files.readString(one.resolve(name)), Files.readString(two.resolve(name)), org);
        }
        assertTrue(Files.readString(two.resolve("acme/metrics-20261122T052001Z-000001.ndjson"))
                .contains("\"resource\":{\"env\":\"prod\",\"service.instance.id\":\"a-3f9a0c1b2d4e5f60\"}"),
                "stamped with the certificate's identity");
        assertEquals(asIs.get(0).request(), prepared.get(0).request(), "the request parsed again, stamped the same");
    }

    @Test
    void gzipFilesHoldOneMemberPerDeliveryAndReadWhole() throws Exception {
        FileSinkConfig gz = config(1 << 20, 16L << 20, 0, Duration.ofDays(7), 1000, Compression.GZIP);
        try (FileSink sink = new FileSink(dir, gz, clock)) {
            sink.deliver(List.of(stamped(ACME, "a-3f9a0c1b2d4e5f60:1", batch())), starts -> { });
            sink.deliver(List.of(stamped(ACME, "a-3f9a0c1b2d4e5f60:2", batch()),
                    stamped(ACME, "a-3f9a0c1b2d4e5f60:3", batch())), starts -> { });
        }
        Path file = dir.resolve("acme/metrics-20261122T052001Z-000001.ndjson.gz");
        List<String> lines = gunzip(file);
        assertEquals(12, lines.size(), "three batches of a resource line and three metric lines");
        assertEquals(List.of("a-3f9a0c1b2d4e5f60:1", "a-3f9a0c1b2d4e5f60:2", "a-3f9a0c1b2d4e5f60:3"), lines.stream()
                .filter(l -> l.contains("\"resource\":")).map(l -> l.replaceAll(".*\"batch\":\"([^\"]*)\".*", "$1"))
                .toList());
    }

    @Test
    void eachOrgWritesItsOwnFilesAndReportsWhereEachStarts() throws Exception {
        try (FileSink sink = new FileSink(dir, PLAIN, clock)) {
            List<Position> starts = new ArrayList<>();
            sink.deliver(List.of(stamped(ACME, "k1", batch()), stamped(GLOBEX, "k2", batch())), starts::addAll);
            assertEquals(List.of(new Position("acme/metrics-20261122T052001Z-000001.ndjson", 0),
                    new Position("globex/metrics-20261122T052001Z-000001.ndjson", 0)), starts);
        }
        assertTrue(Files.readString(dir.resolve("globex/metrics-20261122T052001Z-000001.ndjson"))
                .contains("\"org\":\"globex\""));
        assertTrue(!Files.readString(dir.resolve("acme/metrics-20261122T052001Z-000001.ndjson")).contains("globex"));
    }

    @Test
    void undoCutsTheFileBackToWhereADeliveryStarted() throws Exception {
        Path file = dir.resolve("acme/metrics-20261122T052001Z-000001.ndjson");
        try (FileSink sink = new FileSink(dir, PLAIN, clock)) {
            List<Position> starts = new ArrayList<>();
            sink.deliver(List.of(stamped(ACME, "b1", batch())), starts::addAll);
            long afterFirst = Files.size(file);
            sink.deliver(List.of(stamped(ACME, "b2", batch())), starts::addAll);
            assertEquals(new Position("acme/metrics-20261122T052001Z-000001.ndjson", afterFirst), starts.get(1));
            assertEquals(Files.size(file) - afterFirst, sink.undo(starts.get(1)));
            assertEquals(afterFirst, Files.size(file));
            assertEquals(0, sink.undo(starts.get(1)), "undoing twice is harmless");
            SinkUnavailableException refused = assertThrows(SinkUnavailableException.class,
                    () -> sink.deliver(List.of(stamped(ACME, "b3", batch())), s -> {
                        throw new IOException("not recorded");
                    }));
            assertTrue(refused.getMessage().contains("not recorded"));
            assertEquals(afterFirst, Files.size(file), "nothing written when the hook fails");
            sink.deliver(List.of(stamped(ACME, "b4", batch())), s -> { });
            for (String bad : new String[] {"../state.db", "acme/../../state.db", "Acme/x", "state.db"}) {
                IOException e = assertThrows(IOException.class, () -> sink.undo(new Position(bad, 0)));
                assertTrue(e.getMessage().startsWith("sink position names \"" + bad + "\""), e.getMessage());
            }
        }
        assertEquals(List.of("b1", "b4"), Files.readAllLines(file).stream().filter(l -> l.contains("\"resource\":"))
                .map(l -> l.replaceAll(".*\"batch\":\"([^\"]*)\".*", "$1")).toList());
    }

    @Test
    void rotatesBySizeAndByAgeAndContinuesTheNumberingAfterARestart() throws Exception {
        try (FileSink sink = new FileSink(dir, PLAIN, clock)) {
            for (int i = 0; i < 20; i++) {
                sink.deliver(many(ACME, "b" + i + "-", 100), s -> { });
            }
        }
        assertEquals(List.of("metrics-20261122T052001Z-000001.ndjson", "metrics-20261122T052001Z-000002.ndjson"),
                names("acme"), "rotated once past 1 MiB");
        clock.advance(Duration.ofMinutes(30));
        try (FileSink sink = new FileSink(dir, PLAIN, clock)) {
            sink.deliver(List.of(stamped(ACME, "after-restart", batch())), s -> { });
            clock.advance(Duration.ofMinutes(61));
            sink.deliver(List.of(stamped(ACME, "an-hour-later", batch())), s -> { });
        }
        assertEquals(List.of("metrics-20261122T052001Z-000001.ndjson", "metrics-20261122T052001Z-000002.ndjson",
                "metrics-20261122T055001Z-000003.ndjson", "metrics-20261122T065101Z-000004.ndjson"), names("acme"));
    }

    @Test
    void aFloodingOrgEvictsItsOwnOldestFilesNotAnotherOrgs() throws Exception {
        FileSinkConfig small = config(1 << 20, 16L << 20, 0, Duration.ZERO, 1000, Compression.NONE);
        try (FileSink sink = new FileSink(dir, small, clock)) {
            sink.deliver(List.of(stamped(GLOBEX, "quiet", batch())), s -> { });
            for (int i = 0; i < 250; i++) {
                sink.deliver(many(ACME, "flood" + i + "-", 100), s -> { });
                if (i % 10 == 0) {
                    sink.maintain();
                }
            }
            sink.maintain();
            assertTrue(sink.bytes() <= 16L << 20, sink.bytes() + " bytes");
            assertTrue(sink.deletedFiles() > 0);
        }
        assertEquals(List.of("metrics-20261122T052001Z-000001.ndjson"), names("globex"), "untouched");
        assertTrue(!names("acme").contains("metrics-20261122T052001Z-000001.ndjson"), "acme's oldest went");
    }

    @Test
    void anOrgCapAndTheAgeBoundDeleteWholeFiles() throws Exception {
        FileSinkConfig capped = config(1 << 20, 1L << 30, 16L << 20, Duration.ofHours(2), 1000, Compression.NONE);
        try (FileSink sink = new FileSink(dir, capped, clock)) {
            for (int i = 0; i < 200; i++) {
                sink.deliver(many(ACME, "b" + i + "-", 100), s -> { });
            }
            sink.deliver(List.of(stamped(GLOBEX, "old", batch())), s -> { });
            sink.maintain();
            assertTrue(sink.bytes() <= 16L << 20, "acme is held to max_org_bytes: " + sink.bytes());
            clock.advance(Duration.ofHours(3).plusMinutes(1));
            sink.deliver(List.of(stamped(GLOBEX, "new", batch())), s -> { });
            sink.maintain();
        }
        assertEquals(List.of("metrics-20261122T082101Z-000002.ndjson"), names("globex"),
                "the old file aged out: written until 06:20 at the latest, more than 2 h ago");
        assertEquals(List.of(), names("acme"), "every acme file was as old");
    }

    private List<String> names(String org) throws IOException {
        Path d = dir.resolve(org);
        if (!Files.isDirectory(d)) {
            return List.of();
        }
        try (Stream<Path> s = Files.list(d)) {
            return s.map(p -> p.getFileName().toString()).sorted().toList();
        }
    }

    private static List<String> gunzip(Path file) throws IOException {
        try (InputStream in = new GZIPInputStream(new ByteArrayInputStream(Files.readAllBytes(file)))) {
            return List.of(new String(in.readAllBytes(), StandardCharsets.UTF_8).split("\n"));
        }
    }
}
