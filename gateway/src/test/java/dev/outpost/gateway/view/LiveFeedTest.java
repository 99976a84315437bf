package dev.outpost.gateway.view;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.outpost.gateway.MutableClock;
import dev.outpost.gateway.ca.AgentIdentity;
import dev.outpost.gateway.ingest.BatchKey;
import dev.outpost.gateway.ingest.StampedBatch;
import io.opentelemetry.proto.collector.metrics.v1.ExportMetricsServiceRequest;
import io.opentelemetry.proto.common.v1.AnyValue;
import io.opentelemetry.proto.common.v1.KeyValue;
import io.opentelemetry.proto.metrics.v1.Gauge;
import io.opentelemetry.proto.metrics.v1.Metric;
import io.opentelemetry.proto.metrics.v1.NumberDataPoint;
import io.opentelemetry.proto.metrics.v1.ResourceMetrics;
import io.opentelemetry.proto.metrics.v1.ScopeMetrics;
import io.opentelemetry.proto.resource.v1.Resource;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The gateway's side of the live view: a feed written only while a watcher is present, holding what was stored. */
class LiveFeedTest {
    static final AgentIdentity A = new AgentIdentity("acme", "a-3f9a0c1b2d4e5f60");
    final MutableClock clock = new MutableClock(Instant.now());
    @TempDir
    Path dir;

    static StampedBatch batch(long seq, long uptime, Instant time) {
        long nanos = time.getEpochSecond() * 1_000_000_000L;
        Metric m = Metric.newBuilder().setName("system.uptime").setUnit("s").setGauge(Gauge.newBuilder()
                .addDataPoints(NumberDataPoint.newBuilder().setTimeUnixNano(nanos).setAsInt(uptime))).build();
        Metric hidden = Metric.newBuilder().setName("system.disk.merged").setUnit("{operations}").setGauge(Gauge
                .newBuilder().addDataPoints(NumberDataPoint.newBuilder().setTimeUnixNano(nanos).setAsInt(1))).build();
        ExportMetricsServiceRequest r = ExportMetricsServiceRequest.newBuilder().addResourceMetrics(ResourceMetrics
                .newBuilder().setResource(Resource.newBuilder().addAttributes(KeyValue.newBuilder().setKey("host.name")
                        .setValue(AnyValue.newBuilder().setStringValue("web-1"))))
                .addScopeMetrics(ScopeMetrics.newBuilder().addMetrics(m).addMetrics(hidden))).build();
        String key = A.agentId() + ":" + seq;
        return new StampedBatch(A, BatchKey.parse(key), key, r, 2, nanos, r.getSerializedSize());
    }

    @Test
    void writesItsFeedOnlyWhileAWatcherIsPresent() throws Exception {
        Path live = dir.resolve("live");
        LiveFeed feed = new LiveFeed(live, clock, () -> LiveViewTest.health(clock.millis(), 1, 1));
        Path file = live.resolve(LiveFeed.FEED);
        feed.stored(List.of(batch(1, 100, clock.instant())));
        feed.tick();
        assertFalse(Files.exists(file), "no watcher, no feed");

        Path watcher = Files.createFile(live.resolve(LiveFeed.WATCHER_PREFIX + "4242"));
        Files.setLastModifiedTime(watcher, FileTime.from(clock.instant()));
        feed.tick();
        assertTrue(Files.readString(file).startsWith("{\"gateway\":{"), "the gateway's health first");
        assertEquals(PosixFilePermissions.fromString("rw-------"), Files.getPosixFilePermissions(file));
        feed.stored(List.of(batch(1, 100, clock.instant())));
        clock.advance(Duration.ofSeconds(10));
        feed.stored(List.of(batch(2, 110, clock.instant())));
        feed.tick();
        List<String> lines = Files.readAllLines(file);
        assertEquals(3, lines.size(), "health, then the two latest values of the one shown series: " + lines);
        assertTrue(lines.get(2).contains("\"metric\":\"system.uptime\"") && lines.get(2).contains("\"value\":110"));

        ByteArrayOutputStream frame = new ByteArrayOutputStream();
        new LiveView(file, new PrintStream(frame, true, UTF_8), clock).renderOnce();
        assertTrue(frame.toString(UTF_8).contains("web-1  org acme  agent a-3f9a0c1b2d4e5f60"), frame.toString(UTF_8));

        clock.advance(LiveFeed.WATCHER_FRESH.plusSeconds(1));
        feed.tick();
        assertFalse(Files.exists(file), "the watcher went quiet: the feed is removed");
        assertFalse(Files.exists(watcher), "and so is its stale watcher file");
    }
}
