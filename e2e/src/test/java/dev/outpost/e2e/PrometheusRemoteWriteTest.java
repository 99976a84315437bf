package dev.outpost.e2e;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import dev.outpost.wire.Pem;
import io.opentelemetry.proto.collector.metrics.v1.ExportMetricsServiceRequest;
import io.opentelemetry.proto.collector.metrics.v1.ExportMetricsServiceResponse;
import io.opentelemetry.proto.common.v1.AnyValue;
import io.opentelemetry.proto.common.v1.KeyValue;
import io.opentelemetry.proto.metrics.v1.Gauge;
import io.opentelemetry.proto.metrics.v1.Metric;
import io.opentelemetry.proto.metrics.v1.NumberDataPoint;
import io.opentelemetry.proto.metrics.v1.ResourceMetrics;
import io.opentelemetry.proto.metrics.v1.ScopeMetrics;
import io.opentelemetry.proto.resource.v1.Resource;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import javax.net.ssl.SSLContext;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.io.TempDir;

/**
 * The gateway delivering into a real Prometheus 2.42 (its remote write receiver, started by the test): this host's
 * metrics queryable by PromQL under the OpenTelemetry-to-Prometheus names with the org and agent labels; the store
 * stopped and the gateway killed while an agent pushes, and afterwards every batch there once; samples the store
 * refuses counted while the rest lands; a backlog of hours replayed within the store's out-of-order window.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class PrometheusRemoteWriteTest {
    @TempDir
    static Path root;
    MetricStore prometheus;
    Gateway gateway;
    TestAgent agent;

    @BeforeAll
    void start() throws Exception {
        prometheus = MetricStore.start(MetricStore.Kind.PROMETHEUS, root, "prometheus");
        gateway = Gateway.start(root, "gateway", Map.of("OUTPOST_GATEWAY_SINK_TYPE", "prometheus_remote_write",
                "OUTPOST_GATEWAY_SINK_PROMETHEUS_REMOTE_WRITE_URL", prometheus.writeUrl("")), "localhost", "127.0.0.1");
        agent = new TestAgent(gateway, root, "agent", "acme", "labels:\n  env: e2e\n");
        agent.start();
    }

    @AfterAll
    void stop() throws Exception {
        if (agent.proc != null && agent.proc.process.isAlive()) {
            agent.proc.stop();
        }
        gateway.close();
        prometheus.close();
    }

    String cpu() {
        return "system_cpu_time_seconds_total{outpost_agent=\"" + agent.id + "\",cpu=\"cpu0\",state=\"user\"}";
    }

    @Test
    @Order(1)
    void thisHostsMetricsAreQueryableUnderTheTranslatedNamesWithOrgAndAgent() throws Exception {
        Proc.await(() -> {
            try {
                return prometheus.query(cpu()).size() == 1;
            } catch (Exception e) {
                return false;
            }
        }, Duration.ofSeconds(60), cpu() + " in Prometheus");
        JsonNode labels = prometheus.query(cpu()).get(0).path("metric");
        assertEquals("acme", labels.path("outpost_org").asText(), labels.toString());
        assertEquals(agent.id, labels.path("instance").asText(), labels.toString());
        assertEquals("outpost-agent", labels.path("job").asText(), labels.toString());
        assertTrue(!labels.path("host_name").asText().isEmpty(), labels.toString());
        JsonNode info = prometheus.query("target_info{outpost_agent=\"" + agent.id + "\"}");
        assertEquals(1, info.size(), info.toString());
        assertEquals("e2e", info.get(0).path("metric").path("env").asText(), "the agent's labels: " + info);
        assertEquals("linux", info.get(0).path("metric").path("os_type").asText(), info.toString());
        assertTrue(prometheus.query("system_filesystem_usage_bytes{outpost_agent=\"" + agent.id + "\"}").size() > 0);
        assertTrue(prometheus.query("outpost_agent_push_duration_seconds_count{outpost_agent=\"" + agent.id
                + "\"}").size() > 0, "histograms as _bucket/_sum/_count");
        assertEquals(0, prometheus.query("{__name__=~\".+\",outpost_org!=\"acme\"}").size(), "nothing under another org");
    }

    @Test
    @Order(2)
    void theStoreStoppedAndTheGatewayKilledLoseAndDoubleNothing() throws Exception {
        long sentBefore = agent.status().path("batchesSent").asLong();
        long down = System.nanoTime();
        prometheus.stop(false);
        Proc.await(() -> {
            try {
                return agent.status().path("queueBatches").asLong() >= 5;
            } catch (Exception e) {
                return false;
            }
        }, Duration.ofSeconds(60), "the agent to queue batches while the store is down");
        gateway.proc.awaitLog(java.util.regex.Pattern.compile("the prometheus_remote_write sink could not store"),
                Duration.ofSeconds(10));
        long queued = agent.status().path("queueBatches").asLong();
        long up = System.nanoTime();
        prometheus.start();
        long ready = System.nanoTime();
        Proc.await(() -> {
            try {
                return agent.status().path("queueBatches").asLong() == 0;
            } catch (Exception e) {
                return false;
            }
        }, Duration.ofSeconds(60), "the queue to drain once the store is back");
        long drained = System.nanoTime();
        assertTrue(agent.status().path("batchesSent").asLong() > sentBefore + 5);
        for (int i = 0; i < 2; i++) {
            gateway.restart(true);
            long sent = agent.status().path("batchesSent").asLong();
            Proc.await(() -> {
                try {
                    return agent.status().path("batchesSent").asLong() >= sent + 3;
                } catch (Exception e) {
                    return false;
                }
            }, Duration.ofSeconds(60), "batches after a kill -9 of the gateway");
        }
        agent.drainAndStop();
        JsonNode status = agent.status();
        assertEquals(0, status.path("droppedQueueFull").asLong() + status.path("droppedRejected").asLong());
        List<Long> times = prometheus.sampleTimes(cpu(), "15m");
        assertEquals(status.path("batchesSent").asLong(), times.size(), "one sample per batch the agent sent");
        long maxGap = 0;
        for (int i = 1; i < times.size(); i++) {
            long gap = times.get(i) - times.get(i - 1);
            assertTrue(gap > 0 && gap < 2_900, "no gap and no reordering at sample " + i + ": " + gap + " ms");
            maxGap = Math.max(maxGap, gap);
        }
        System.out.printf("outage figures: store down %.1f s (agent queued %d batches, gateway answered 503), "
                + "store ready %.1f s after start, queue drained %.1f s after that; then 2 x kill -9 of the "
                + "gateway; %d batches sent, %d samples stored, largest gap between samples %d ms (interval 1 s)%n",
                (up - down) / 1e9, queued, (ready - up) / 1e9, (drained - ready) / 1e9,
                status.path("batchesSent").asLong(), times.size(), maxGap);
    }

    /** An agent identity of the gateway, enrolled but not running, to send exact batches with. */
    SSLContext identity(String name) throws Exception {
        TestAgent probe = new TestAgent(gateway, root, name, "acme", "");
        Path state = probe.dir.resolve("state");
        return MtlsSocket.context(Pem.readPrivateKey(state.resolve("agent.key")),
                Pem.readCertificates(state.resolve("agent.crt")).get(0),
                Pem.readCertificates(state.resolve("ca.crt")).get(0));
    }

    static KeyValue kv(String k, String v) {
        return KeyValue.newBuilder().setKey(k).setValue(AnyValue.newBuilder().setStringValue(v)).build();
    }

    /** A batch of the gauges {@code name=value} at the given times (ms), for host {@code host}. */
    static byte[] batch(String host, Object... nameValueTime) {
        ScopeMetrics.Builder scope = ScopeMetrics.newBuilder();
        for (int i = 0; i < nameValueTime.length; i += 3) {
            scope.addMetrics(Metric.newBuilder().setName((String) nameValueTime[i]).setUnit("1").setGauge(
                    Gauge.newBuilder().addDataPoints(NumberDataPoint.newBuilder().setAsDouble((Double) nameValueTime[i + 1])
                            .setTimeUnixNano((Long) nameValueTime[i + 2] * 1_000_000L))));
        }
        return ExportMetricsServiceRequest.newBuilder().addResourceMetrics(ResourceMetrics.newBuilder()
                .setResource(Resource.newBuilder().addAttributes(kv("host.name", host))
                        .addAttributes(kv("service.name", "e2e")))
                .addScopeMetrics(scope)).build().toByteArray();
    }

    /** POSTs an uncompressed batch with {@code key}; returns the response text. */
    String post(SSLContext tls, String key, byte[] body) throws Exception {
        String head = "POST /v1/metrics HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/x-protobuf\r\n"
                + "Idempotency-Key: " + key + "\r\nContent-Length: " + body.length + "\r\n\r\n";
        return new String(MtlsSocket.exchange(tls, gateway.ingestPort, head, body), StandardCharsets.ISO_8859_1);
    }

    @Test
    @Order(3)
    void samplesTheStoreRefusesAreCountedAndTheRestOfTheirBatchLands() throws Exception {
        SSLContext tls = identity("refused");
        // Times a few seconds back: a query sees no sample from its own future.
        long now = System.currentTimeMillis() - 10_000;
        assertTrue(post(tls, "k:1", batch("refused", "e2e.x", 1.0, now, "e2e.y", 1.0, now)).startsWith("HTTP/1.1 200"));
        // e2e.x 13 hours back is outside the store's 12 h out-of-order window: Prometheus answers 400 for the
        // whole request; the gateway finds that one sample and sends the rest again.
        String r = post(tls, "k:2", batch("refused", "e2e.x", 2.0, now - 13 * 3_600_000L, "e2e.y", 2.0, now + 1000));
        assertTrue(r.startsWith("HTTP/1.1 200 OK"), r);
        byte[] body = r.substring(r.indexOf("\r\n\r\n") + 4).getBytes(StandardCharsets.ISO_8859_1);
        assertEquals(1, ExportMetricsServiceResponse.parseFrom(body).getPartialSuccess().getRejectedDataPoints(),
                "partial success names the refused sample: " + r);
        assertTrue(post(tls, "k:3", batch("refused", "e2e.x", 3.0, now + 2000, "e2e.y", 3.0, now + 2000))
                .startsWith("HTTP/1.1 200"), "nothing wedged");
        String host = "{host_name=\"refused\"}";
        assertEquals(3, prometheus.sampleTimes("e2e_y_ratio" + host, "1h").size());
        assertEquals(List.of(now, now + 2000), prometheus.sampleTimes("e2e_x_ratio" + host, "1h"));
        gateway.proc.awaitLog(java.util.regex.Pattern.compile("refused samples of org acme for good \\((400|500) "),
                Duration.ofSeconds(5));
    }

    @Test
    @Order(4)
    void aBacklogOfHoursLandsWithinTheStoresOutOfOrderWindow() throws Exception {
        SSLContext tls = identity("backlog");
        long start = System.currentTimeMillis() - 3 * 3_600_000L;
        for (int i = 0; i < 180; i++) {
            String r = post(tls, "k:" + (i + 1), batch("backlog", "e2e.backlog", (double) i, start + i * 60_000L));
            assertTrue(r.startsWith("HTTP/1.1 200"), "batch " + i + ": " + r);
        }
        List<Long> times = prometheus.sampleTimes("e2e_backlog_ratio{host_name=\"backlog\"}", "4h");
        assertEquals(180, times.size(), "three hours of 1-minute batches, older than the store's newest data");
        assertEquals(Arrays.asList(start, start + 179 * 60_000L), List.of(times.get(0), times.get(179)));
    }
}
