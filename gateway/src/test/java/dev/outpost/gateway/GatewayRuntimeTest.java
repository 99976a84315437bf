package dev.outpost.gateway;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.outpost.gateway.ca.AgentIdentity;
import dev.outpost.gateway.config.GatewayConfig;
import dev.outpost.gateway.ingest.BatchCommitter;
import dev.outpost.gateway.sink.FileSink;
import dev.outpost.gateway.store.Database;
import dev.outpost.gateway.store.Watermarks;
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
        Map<String, String> env = TestGatewayDir.LOOPBACK;
        GatewayConfig config = GatewayConfig.defaults(env);
        Path metrics = config.sink().file().dirIn(root);
        ExportMetricsServiceRequest batch = ExportMetricsServiceRequest.newBuilder().addResourceMetrics(
                ResourceMetrics.newBuilder().addScopeMetrics(ScopeMetrics.newBuilder().addMetrics(Metric.newBuilder()
                        .setName("system.uptime").setGauge(Gauge.newBuilder().addDataPoints(
                                NumberDataPoint.newBuilder().setAsInt(7)))))).build();
        Path[] file = new Path[1];
        byte[] before;
        try (Database db = Database.open(dir.database()); FileSink sink = new FileSink(metrics, 1 << 20, 5, clock)) {
            Watermarks watermarks = new Watermarks(db, clock);
            new BatchCommitter(sink, watermarks).store(A, "a-3f9a0c1b2d4e5f60:1", batch);
            sink.write(A, "a-3f9a0c1b2d4e5f60:2", batch, start -> {
                file[0] = metrics.resolve(start.location());
                watermarks.begin(A.agentId(), 2, start);
            });
        }
        try (FileChannel ch = FileChannel.open(file[0], StandardOpenOption.WRITE)) {
            before = Files.readAllBytes(file[0]);
            ch.truncate(before.length - 5); // cut inside batch 2's line, as kill -9 mid-write would
        }
        String firstLine = Files.readAllLines(file[0]).get(0);

        GatewayRuntime gateway = GatewayRuntime.start(dir, config, env, clock);
        try {
            assertArrayEquals((firstLine + "\n").getBytes(), Files.readAllBytes(file[0]),
                    "only the whole batch 1 is left");
        } finally {
            gateway.close();
        }
        try (Database db = Database.open(dir.database())) {
            assertEquals(0, new Watermarks(db, clock).pending().size());
            assertEquals(1, new Watermarks(db, clock).of(A.agentId()).orElse(-1), "batch 2 was never committed");
        }
    }
}
