package dev.outpost.gateway.sink.otlp;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.outpost.gateway.ca.AgentIdentity;
import dev.outpost.gateway.config.OtlpSinkConfig;
import dev.outpost.gateway.ingest.BatchKey;
import dev.outpost.gateway.ingest.StampedBatch;
import dev.outpost.gateway.sink.Delivery;
import dev.outpost.gateway.sink.RecordingServer;
import dev.outpost.gateway.sink.RecordingServer.Answer;
import dev.outpost.gateway.sink.SinkUnavailableException;
import io.opentelemetry.proto.collector.metrics.v1.ExportMetricsServiceRequest;
import io.opentelemetry.proto.common.v1.AnyValue;
import io.opentelemetry.proto.common.v1.KeyValue;
import io.opentelemetry.proto.metrics.v1.Gauge;
import io.opentelemetry.proto.metrics.v1.Metric;
import io.opentelemetry.proto.metrics.v1.NumberDataPoint;
import io.opentelemetry.proto.metrics.v1.ResourceMetrics;
import io.opentelemetry.proto.metrics.v1.ScopeMetrics;
import io.opentelemetry.proto.resource.v1.Resource;
import java.io.ByteArrayInputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.zip.GZIPInputStream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The OTLP forward sink against a recording server: bytes, headers, tenants, and which answers are retried. */
class OtlpForwardSinkTest {
    static final AgentIdentity ACME = new AgentIdentity("acme", "a-3f9a0c1b2d4e5f60");
    static final AgentIdentity GLOBEX = new AgentIdentity("globex", "a-00000000000000bb");
    final RecordingServer server = new RecordingServer();
    @TempDir
    Path dir;

    OtlpForwardSinkTest() throws Exception {
    }

    @AfterEach
    void stop() {
        server.close();
    }

    static StampedBatch batch(AgentIdentity id, long seq, int points) {
        Gauge.Builder g = Gauge.newBuilder();
        for (int i = 0; i < points; i++) {
            g.addDataPoints(NumberDataPoint.newBuilder().setTimeUnixNano(1_795_000_000_000_000_000L).setAsInt(i));
        }
        ExportMetricsServiceRequest r = ExportMetricsServiceRequest.newBuilder().addResourceMetrics(ResourceMetrics
                .newBuilder().setResource(Resource.newBuilder().addAttributes(KeyValue.newBuilder()
                        .setKey("outpost.org.id").setValue(AnyValue.newBuilder().setStringValue(id.org()))))
                .addScopeMetrics(ScopeMetrics.newBuilder().addMetrics(Metric.newBuilder().setName("m").setGauge(g))))
                .build();
        String key = id.agentId() + ":" + seq;
        return new StampedBatch(id, BatchKey.parse(key), key, r, points, 1_795_000_000_000_000_000L,
                r.getSerializedSize());
    }

    OtlpForwardSink sink(String path, String tenantHeader, long maxBytes) throws Exception {
        Path token = Files.writeString(dir.resolve("token"), "t0ken\n");
        Files.setPosixFilePermissions(token, PosixFilePermissions.fromString("rw-------"));
        return new OtlpForwardSink(new OtlpSinkConfig(server.url(path), tenantHeader, Map.of(), "", null, token, null,
                null, null, Duration.ofSeconds(5), maxBytes), Clock.systemUTC(), "outpost-gateway/test");
    }

    static ExportMetricsServiceRequest decode(RecordingServer.Request r) throws Exception {
        try (GZIPInputStream in = new GZIPInputStream(new ByteArrayInputStream(r.body()))) {
            return ExportMetricsServiceRequest.parseFrom(in.readAllBytes());
        }
    }

    @Test
    void eachOrgsBatchesAreMergedIntoItsOwnGzipRequests() throws Exception {
        try (OtlpForwardSink sink = sink("/{org}/v1/metrics", "X-Scope-OrgID", 4L << 20)) {
            Delivery d = sink.deliver(List.of(batch(ACME, 1, 3), batch(GLOBEX, 1, 2), batch(ACME, 2, 3)), s -> { });
            assertEquals(0, d.totalRefused());
        }
        assertEquals(2, server.requests.size());
        for (RecordingServer.Request r : server.requests) {
            String org = r.header("X-Scope-OrgID");
            assertEquals("/" + org + "/v1/metrics", r.path());
            assertEquals("gzip", r.header("Content-Encoding"));
            assertEquals("application/x-protobuf", r.header("Content-Type"));
            assertEquals("Bearer t0ken", r.header("Authorization"));
            ExportMetricsServiceRequest sent = decode(r);
            assertEquals(org.equals("acme") ? 2 : 1, sent.getResourceMetricsCount());
            for (ResourceMetrics rm : sent.getResourceMetricsList()) {
                assertEquals(org, rm.getResource().getAttributes(0).getValue().getStringValue());
            }
        }
    }

    @Test
    void aLargeGroupIsSplitIntoRequestsInOrder() throws Exception {
        List<StampedBatch> group = new ArrayList<>();
        for (int i = 1; i <= 40; i++) {
            group.add(batch(ACME, i, 200));
        }
        try (OtlpForwardSink sink = sink("/v1/metrics", "", 64 << 10)) {
            sink.deliver(group, s -> { });
        }
        assertEquals(true, server.requests.size() > 1, server.requests.size() + " requests");
        int resources = 0;
        for (RecordingServer.Request r : server.requests) {
            resources += decode(r).getResourceMetricsCount();
        }
        assertEquals(40, resources);
    }

    @Test
    void retryableAnswersFailTheGroupAndOthersAreCountedAsRefused() throws Exception {
        try (OtlpForwardSink sink = sink("/v1/metrics", "", 4L << 20)) {
            for (int status : new int[] {429, 502, 503, 504}) {
                server.answer(r -> new Answer(status, Map.of("Retry-After", "3"), ""));
                SinkUnavailableException e = assertThrows(SinkUnavailableException.class,
                        () -> sink.deliver(List.of(batch(ACME, 1, 3)), s -> { }));
                assertEquals("http_" + status, e.reason());
                assertEquals(Duration.ofSeconds(3), e.retryAfter());
            }
            server.answer(r -> new Answer(400, Map.of(), "bad data"));
            Delivery d = sink.deliver(List.of(batch(ACME, 1, 3), batch(ACME, 2, 4)), s -> { });
            assertEquals(7, d.totalRefused(), "not retried: every point counted");
            assertEquals("http_400", d.reason(1));
        }
    }
}
