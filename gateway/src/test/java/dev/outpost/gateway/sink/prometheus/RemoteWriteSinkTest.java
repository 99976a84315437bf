package dev.outpost.gateway.sink.prometheus;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.outpost.gateway.ca.AgentIdentity;
import dev.outpost.gateway.config.PrometheusRemoteWriteConfig;
import dev.outpost.gateway.ingest.BatchKey;
import dev.outpost.gateway.ingest.StampedBatch;
import dev.outpost.gateway.sink.Delivery;
import dev.outpost.gateway.sink.RecordingServer;
import dev.outpost.gateway.sink.RecordingServer.Answer;
import dev.outpost.gateway.sink.SinkUnavailableException;
import io.opentelemetry.proto.collector.metrics.v1.ExportMetricsServiceRequest;
import io.opentelemetry.proto.common.v1.AnyValue;
import io.opentelemetry.proto.common.v1.InstrumentationScope;
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
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The remote write sink against a recording server: the bytes, headers, tenants and retry rules. */
class RemoteWriteSinkTest {
    static final long T = 1_795_000_000_123_000_000L;
    static final AgentIdentity ACME = new AgentIdentity("acme", "a-3f9a0c1b2d4e5f60");
    static final AgentIdentity GLOBEX = new AgentIdentity("globex", "a-00000000000000bb");
    final RecordingServer server = new RecordingServer();
    @TempDir
    Path dir;

    RemoteWriteSinkTest() throws Exception {
    }

    @AfterEach
    void stop() {
        server.close();
    }

    static KeyValue kv(String k, String v) {
        return KeyValue.newBuilder().setKey(k).setValue(AnyValue.newBuilder().setStringValue(v)).build();
    }

    static NumberDataPoint.Builder point(double v, KeyValue... attributes) {
        NumberDataPoint.Builder p = NumberDataPoint.newBuilder().setTimeUnixNano(T).setAsDouble(v);
        for (KeyValue kv : attributes) {
            p.addAttributes(kv);
        }
        return p;
    }

    /** A batch as an agent sends it and ingest stamps it. */
    static StampedBatch batch(AgentIdentity id, long seq, Metric... metrics) {
        ScopeMetrics.Builder scope = ScopeMetrics.newBuilder().setScope(InstrumentationScope.newBuilder()
                .setName("dev.outpost.agent").setVersion("0.2.0"));
        for (Metric m : metrics) {
            scope.addMetrics(m);
        }
        ExportMetricsServiceRequest r = ExportMetricsServiceRequest.newBuilder().addResourceMetrics(ResourceMetrics
                .newBuilder().setResource(Resource.newBuilder().addAttributes(kv("host.name", "web-1"))
                        .addAttributes(kv("service.name", "outpost-agent")).addAttributes(kv("env", "prod"))
                        .addAttributes(kv("outpost.org.id", id.org())).addAttributes(kv("outpost.agent.id", id.agentId()))
                        .addAttributes(kv("service.instance.id", id.agentId())))
                .addScopeMetrics(scope)).build();
        String key = id.agentId() + ":" + seq;
        int points = 0;
        for (Metric m : metrics) {
            points += m.hasGauge() ? m.getGauge().getDataPointsCount() : m.hasSum() ? m.getSum().getDataPointsCount()
                    : m.getHistogram().getDataPointsCount();
        }
        return new StampedBatch(id, BatchKey.parse(key), key, r, points, T, r.getSerializedSize());
    }

    static Metric cpu(double user) {
        return Metric.newBuilder().setName("system.cpu.time").setUnit("s").setSum(Sum.newBuilder().setIsMonotonic(true)
                .setAggregationTemporality(AggregationTemporality.AGGREGATION_TEMPORALITY_CUMULATIVE)
                .addDataPoints(point(user, kv("cpu", "cpu0"), kv("state", "user")))
                .addDataPoints(point(2.5, kv("cpu", "cpu0"), kv("state", "idle")))).build();
    }

    static Metric gauge(String name, String unit, double v, KeyValue... attributes) {
        return Metric.newBuilder().setName(name).setUnit(unit).setGauge(Gauge.newBuilder()
                .addDataPoints(point(v, attributes))).build();
    }

    PrometheusRemoteWriteConfig config(String url, String tenantHeader) throws Exception {
        Path password = Files.writeString(dir.resolve("password"), "s3cret\n");
        Files.setPosixFilePermissions(password, PosixFilePermissions.fromString("rw-------"));
        return new PrometheusRemoteWriteConfig(url, tenantHeader, Map.of("X-Extra", "1"), "outpost", password, null,
                null, null, null, Duration.ofSeconds(5), 1000, 2, List.of("host.name"));
    }

    RemoteWriteSink sink(String path, String tenantHeader) throws Exception {
        return new RemoteWriteSink(config(server.url(path), tenantHeader), Clock.systemUTC(), "outpost-gateway/test");
    }

    /** Every sample the server received, by name and then labels, with the request's path. */
    List<String> received() throws Exception {
        List<String> out = new ArrayList<>();
        for (RecordingServer.Request r : server.requests) {
            for (WriteRequests.Sample s : WriteRequests.decode(r.body())) {
                out.add(r.path() + " " + new TreeMap<>(s.labels()) + " " + s.value() + "@" + s.timestamp());
            }
        }
        return out;
    }

    @Test
    void namesLabelsAndHeadersAreThoseOfTheCollectorsTranslation() throws Exception {
        Metric fs = Metric.newBuilder().setName("system.filesystem.usage").setUnit("By").setSum(Sum.newBuilder()
                .setIsMonotonic(false).setAggregationTemporality(AggregationTemporality.AGGREGATION_TEMPORALITY_CUMULATIVE)
                .addDataPoints(NumberDataPoint.newBuilder().setTimeUnixNano(T).setAsInt(4096)
                        .addAttributes(kv("mountpoint", "/")).addAttributes(kv("state", "used")))).build();
        Metric packets = Metric.newBuilder().setName("system.network.packets").setUnit("{packets}").setSum(
                Sum.newBuilder().setIsMonotonic(true).setAggregationTemporality(
                        AggregationTemporality.AGGREGATION_TEMPORALITY_CUMULATIVE).addDataPoints(point(7,
                                kv("device", "eth0"), kv("direction", "receive"), kv("outpost_org", "globex")))).build();
        Metric push = Metric.newBuilder().setName("outpost.agent.push.duration").setUnit("s").setHistogram(
                Histogram.newBuilder().setAggregationTemporality(AggregationTemporality.AGGREGATION_TEMPORALITY_CUMULATIVE)
                        .addDataPoints(HistogramDataPoint.newBuilder().setTimeUnixNano(T).setCount(4).setSum(0.5)
                                .addExplicitBounds(0.005).addExplicitBounds(1).addBucketCounts(1).addBucketCounts(2)
                                .addBucketCounts(1))).build();
        try (RemoteWriteSink sink = sink("/api/v1/write", "")) {
            Delivery d = sink.deliver(List.of(batch(ACME, 1, cpu(1.25), fs, packets, push,
                    gauge("system.memory.utilization", "1", 0.5, kv("state", "used")))), s -> { });
            assertEquals(0, d.totalRefused());
        }
        RecordingServer.Request r = server.requests.get(0);
        assertEquals("snappy", r.header("Content-Encoding"));
        assertEquals("application/x-protobuf", r.header("Content-Type"));
        assertEquals("0.1.0", r.header("X-Prometheus-Remote-Write-Version"));
        assertEquals("outpost-gateway/test", r.header("User-Agent"));
        assertEquals("1", r.header("X-Extra"));
        assertEquals("Basic " + java.util.Base64.getEncoder().encodeToString("outpost:s3cret".getBytes()),
                r.header("Authorization"));
        String job = "host_name=web-1, instance=a-3f9a0c1b2d4e5f60, job=outpost-agent";
        String scope = "otel_scope_name=dev.outpost.agent, otel_scope_version=0.2.0, "
                + "outpost_agent=a-3f9a0c1b2d4e5f60, outpost_org=acme";
        String common = job + ", " + scope;
        String at = "@1795000000123";
        assertEquals(List.of(
                "/api/v1/write {__name__=system_cpu_time_seconds_total, cpu=cpu0, " + common + ", state=user} 1.25" + at,
                "/api/v1/write {__name__=system_cpu_time_seconds_total, cpu=cpu0, " + common + ", state=idle} 2.5" + at,
                "/api/v1/write {__name__=system_filesystem_usage_bytes, " + job + ", mountpoint=/, " + scope
                        + ", state=used} 4096.0" + at,
                "/api/v1/write {__name__=system_network_packets_total, device=eth0, direction=receive, " + common
                        + "} 7.0" + at,
                "/api/v1/write {__name__=outpost_agent_push_duration_seconds_bucket, " + job + ", le=0.005, " + scope
                        + "} 1.0" + at,
                "/api/v1/write {__name__=outpost_agent_push_duration_seconds_bucket, " + job + ", le=1, " + scope
                        + "} 3.0" + at,
                "/api/v1/write {__name__=outpost_agent_push_duration_seconds_bucket, " + job + ", le=+Inf, " + scope
                        + "} 4.0" + at,
                "/api/v1/write {__name__=outpost_agent_push_duration_seconds_sum, " + common + "} 0.5" + at,
                "/api/v1/write {__name__=outpost_agent_push_duration_seconds_count, " + common + "} 4.0" + at,
                "/api/v1/write {__name__=system_memory_utilization_ratio, " + common + ", state=used} 0.5" + at,
                "/api/v1/write {__name__=target_info, env=prod, host_name=web-1, instance=a-3f9a0c1b2d4e5f60, "
                        + "job=outpost-agent, outpost_agent=a-3f9a0c1b2d4e5f60, outpost_agent_id=a-3f9a0c1b2d4e5f60, "
                        + "outpost_org=acme, outpost_org_id=acme} 1.0" + at),
                received(), "a point's own attribute outpost_org=globex cannot move it to another org");
        for (WriteRequests.Sample s : WriteRequests.decode(r.body())) {
            List<String> names = new ArrayList<>(s.labels().keySet());
            assertEquals(names.stream().sorted().toList(), names, "labels sorted by name");
        }
    }

    @Test
    void eachOrgsSeriesGoOnlyToItsOwnTenant() throws Exception {
        try (RemoteWriteSink sink = sink("/insert/{org}/api/v1/write", "X-Scope-OrgID")) {
            sink.deliver(List.of(batch(ACME, 1, cpu(1)), batch(GLOBEX, 1, cpu(2)), batch(ACME, 2, cpu(3))), s -> { });
        }
        assertEquals(2, server.requests.size(), "one request per org (and shard)");
        for (RecordingServer.Request r : server.requests) {
            String tenant = r.header("X-Scope-OrgID");
            assertEquals("/insert/" + tenant + "/api/v1/write", r.path());
            for (WriteRequests.Sample s : WriteRequests.decode(r.body())) {
                assertEquals(tenant, s.labels().get("outpost_org"), "only " + tenant + "'s series under " + tenant);
            }
        }
    }

    @Test
    void oneAgentsSamplesArriveInTheOrderItSentThem() throws Exception {
        try (RemoteWriteSink sink = sink("/w", "")) {
            List<StampedBatch> group = new ArrayList<>();
            for (int seq = 1; seq <= 50; seq++) {
                group.add(batch(ACME, seq, cpu(seq)));
                group.add(batch(GLOBEX, seq, cpu(seq)));
            }
            sink.deliver(group, s -> { });
        }
        for (AgentIdentity id : List.of(ACME, GLOBEX)) {
            List<Double> user = new ArrayList<>();
            for (RecordingServer.Request r : server.requests) {
                for (WriteRequests.Sample s : WriteRequests.decode(r.body())) {
                    if (id.agentId().equals(s.labels().get("outpost_agent")) && "user".equals(s.labels().get("state"))) {
                        user.add(s.value());
                    }
                }
            }
            assertEquals(50, user.size());
            assertEquals(user.stream().sorted().toList(), user, "in order");
        }
    }

    @Test
    void serverErrorsAndTooManyRequestsFailTheGroupWithTheStoresRetryAfter() throws Exception {
        server.answer(r -> new Answer(503, Map.of("Retry-After", "7"), "busy"));
        try (RemoteWriteSink sink = sink("/w", "")) {
            SinkUnavailableException e = assertThrows(SinkUnavailableException.class,
                    () -> sink.deliver(List.of(batch(ACME, 1, cpu(1))), s -> { }));
            assertEquals("http_503", e.reason());
            assertEquals(Duration.ofSeconds(7), e.retryAfter());
            server.answer(r -> new Answer(429, Map.of(), "slow down"));
            e = assertThrows(SinkUnavailableException.class,
                    () -> sink.deliver(List.of(batch(ACME, 1, cpu(1))), s -> { }));
            assertEquals("http_429", e.reason());
            assertNull(e.retryAfter());
        }
    }

    @Test
    void aStoreThatIsDownOrSlowFailsTheGroup() throws Exception {
        int port;
        try (java.net.ServerSocket s = new java.net.ServerSocket(0)) {
            port = s.getLocalPort();
        }
        try (RemoteWriteSink sink = new RemoteWriteSink(config("http://127.0.0.1:" + port + "/w", ""),
                Clock.systemUTC(), "t")) {
            assertEquals("connect", assertThrows(SinkUnavailableException.class,
                    () -> sink.deliver(List.of(batch(ACME, 1, cpu(1))), s -> { })).reason());
        }
        java.util.concurrent.CountDownLatch release = new java.util.concurrent.CountDownLatch(1);
        server.answer(r -> {
            try {
                release.await(10, java.util.concurrent.TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            return Answer.ok();
        });
        PrometheusRemoteWriteConfig c = config(server.url("/w"), "");
        PrometheusRemoteWriteConfig fast = new PrometheusRemoteWriteConfig(c.url(), "", Map.of(), "", null, null,
                null, null, null, Duration.ofSeconds(1), 1000, 2, List.of());
        try (RemoteWriteSink sink = new RemoteWriteSink(fast, Clock.systemUTC(), "t")) {
            assertEquals("timeout", assertThrows(SinkUnavailableException.class,
                    () -> sink.deliver(List.of(batch(ACME, 1, cpu(1))), s -> { })).reason());
        } finally {
            release.countDown();
        }
    }

    @Test
    void samplesTheStoreRefusesAreFoundCountedAndTheRestLands() throws Exception {
        // Like Prometheus 2.42: one bad sample and the whole request is refused with 400.
        server.answer(r -> {
            try {
                boolean bad = WriteRequests.decode(r.body()).stream().anyMatch(s -> s.value() == 666);
                return bad ? new Answer(400, Map.of(), "out of order sample") : Answer.ok();
            } catch (java.io.IOException e) {
                return new Answer(500, Map.of(), e.toString());
            }
        });
        List<StampedBatch> group = new ArrayList<>();
        for (int seq = 1; seq <= 30; seq++) {
            group.add(batch(ACME, seq, cpu(seq == 7 || seq == 19 ? 666 : seq)));
        }
        Delivery d;
        try (RemoteWriteSink sink = sink("/w", "")) {
            d = sink.deliver(group, s -> { });
        }
        assertEquals(2, d.totalRefused(), "exactly the two bad data points");
        assertEquals(1, d.refusedPoints(6));
        assertEquals("out_of_order", d.reason(6));
        assertEquals(1, d.refusedPoints(18));
        assertEquals(0, d.refusedPoints(0));
        long landed = 0;
        for (RecordingServer.Request r : server.requests) {
            List<WriteRequests.Sample> samples = WriteRequests.decode(r.body());
            if (samples.stream().noneMatch(s -> s.value() == 666)) {
                landed += samples.stream().filter(s -> s.name().equals("system_cpu_time_seconds_total")).count();
            }
        }
        assertEquals(58, landed, "every other cpu sample (30 batches x 2 - 2) was accepted");
        assertTrue(server.requests.size() > 2, "the refused request was split");
    }
}
