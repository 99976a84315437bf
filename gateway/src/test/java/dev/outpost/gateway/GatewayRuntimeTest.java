package dev.outpost.gateway;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.outpost.gateway.ca.AgentIdentity;
import dev.outpost.gateway.config.GatewayConfig;
import dev.outpost.gateway.ingest.BatchKey;
import dev.outpost.gateway.ingest.StampedBatch;
import dev.outpost.gateway.sink.MetricSink.Position;
import dev.outpost.gateway.sink.file.FileSink;
import dev.outpost.gateway.store.Database;
import dev.outpost.gateway.store.Watermarks;
import dev.outpost.gateway.store.Watermarks.Mark;
import io.opentelemetry.proto.collector.metrics.v1.ExportMetricsServiceRequest;
import io.opentelemetry.proto.metrics.v1.Gauge;
import io.opentelemetry.proto.metrics.v1.Metric;
import io.opentelemetry.proto.metrics.v1.NumberDataPoint;
import io.opentelemetry.proto.metrics.v1.ResourceMetrics;
import io.opentelemetry.proto.metrics.v1.ScopeMetrics;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.security.SecureRandom;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The composition root on a real gateway directory: what it does at start before serving. */
class GatewayRuntimeTest {
    static final AgentIdentity A = new AgentIdentity("acme", "a-3f9a0c1b2d4e5f60");
    final Clock clock = Clock.systemUTC();
    @TempDir
    Path root;

    @Test
    void startRemovesAWriteThatAKillLeftPending() throws Exception {
        TestGatewayDir.createCa(root, clock, new SecureRandom());
        GatewayDir dir = new GatewayDir(root);
        Map<String, String> env = new java.util.HashMap<>(TestGatewayDir.LOOPBACK);
        env.put("OUTPOST_GATEWAY_SINK_FILE_COMPRESSION", "none");
        GatewayConfig config = GatewayConfig.defaults(env);
        Path metrics = config.sink().file().dirIn(root);
        long time = clock.millis() * 1_000_000L;
        ExportMetricsServiceRequest batch = ExportMetricsServiceRequest.newBuilder().addResourceMetrics(
                ResourceMetrics.newBuilder().addScopeMetrics(ScopeMetrics.newBuilder().addMetrics(Metric.newBuilder()
                        .setName("system.uptime").setGauge(Gauge.newBuilder().addDataPoints(
                                NumberDataPoint.newBuilder().setTimeUnixNano(time).setAsInt(7)))))).build();
        List<Position> second = new ArrayList<>();
        try (Database db = Database.open(dir.database());
                FileSink sink = new FileSink(metrics, config.sink().file(), clock)) {
            Watermarks watermarks = new Watermarks(db, clock);
            List<Watermarks.Pending> first = new ArrayList<>();
            sink.deliver(List.of(stamped("a-3f9a0c1b2d4e5f60:1", batch, time)),
                    starts -> first.addAll(watermarks.begin(starts)));
            watermarks.commit(first, Map.of(A.agentId(), new Mark(1, time)));
            sink.deliver(List.of(stamped("a-3f9a0c1b2d4e5f60:2", batch, time)), starts -> {
                second.addAll(starts);
                watermarks.begin(starts);
            });
        }
        Path file = metrics.resolve(second.get(0).location());
        byte[] before = Files.readAllBytes(file);
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.WRITE)) {
            ch.truncate(before.length - 5); // cut inside batch 2's lines, as kill -9 mid-write would
        }
        byte[] batchOne = java.util.Arrays.copyOf(before, (int) second.get(0).offset());

        GatewayRuntime gateway = GatewayRuntime.start(dir, config, env, clock);
        try {
            assertArrayEquals(batchOne, Files.readAllBytes(file), "only the whole batch 1 is left");
        } finally {
            gateway.close();
        }
        try (Database db = Database.open(dir.database())) {
            assertEquals(0, new Watermarks(db, clock).pending().size());
            assertEquals(1, new Watermarks(db, clock).of(List.of(A.agentId())).get(A.agentId()).seq(),
                    "batch 2 was never committed");
        }
    }

    static StampedBatch stamped(String key, ExportMetricsServiceRequest batch, long time) {
        return new StampedBatch(A, BatchKey.parse(key), key, batch, 1, time, batch.getSerializedSize());
    }
}
