package dev.outpost.e2e;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.outpost.agent.metrics.Metrics;
import dev.outpost.agent.queue.DiskQueue;
import dev.outpost.agent.tls.Credentials;
import dev.outpost.agent.tls.TlsSettings;
import dev.outpost.agent.transport.Backoff;
import dev.outpost.agent.transport.BatchKeys;
import dev.outpost.agent.transport.HttpsClient;
import dev.outpost.agent.transport.OtlpPusher;
import dev.outpost.agent.transport.PushLoop;
import io.opentelemetry.proto.collector.metrics.v1.ExportMetricsServiceRequest;
import io.opentelemetry.proto.metrics.v1.Gauge;
import io.opentelemetry.proto.metrics.v1.Metric;
import io.opentelemetry.proto.metrics.v1.NumberDataPoint;
import io.opentelemetry.proto.metrics.v1.ResourceMetrics;
import io.opentelemetry.proto.metrics.v1.ScopeMetrics;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The agent's real queue and push loop against the real gateway process: a batch the gateway refuses as too large
 * (413) is dropped, counted and never retried, and the batches after it are stored, in order.
 */
class RejectedBatchTest {
    @TempDir
    Path root;

    static byte[] batch(String name, int padding) throws Exception {
        NumberDataPoint.Builder p = NumberDataPoint.newBuilder().setTimeUnixNano(System.currentTimeMillis() * 1_000_000L)
                .setAsDouble(1);
        if (padding > 0) {
            byte[] noise = new byte[padding];
            new SplittableRandom(7).nextBytes(noise);
            p.addAttributes(io.opentelemetry.proto.common.v1.KeyValue.newBuilder().setKey("noise").setValue(
                    io.opentelemetry.proto.common.v1.AnyValue.newBuilder().setBytesValue(
                            com.google.protobuf.ByteString.copyFrom(noise))));
        }
        ExportMetricsServiceRequest req = ExportMetricsServiceRequest.newBuilder().addResourceMetrics(
                ResourceMetrics.newBuilder().addScopeMetrics(ScopeMetrics.newBuilder().addMetrics(
                        Metric.newBuilder().setName(name).setGauge(Gauge.newBuilder().addDataPoints(p))))).build();
        return RefusalsTest.gzip(req.toByteArray());
    }

    @Test
    void aTooLargeBatchIsDroppedCountedAndTheRestArriveInOrder() throws Exception {
        try (Gateway gateway = Gateway.start(root, "small-gateway", "localhost", "127.0.0.1")) {
            Files.writeString(gateway.dir.resolve("gateway.yaml"), "ingest:\n  max_body_bytes: 4096\n", 
                    java.nio.file.StandardOpenOption.APPEND);
            gateway.restart(false);
            Path token = root.resolve("token");
            Files.writeString(token, gateway.createToken("acme", 1));
            Proc.Result enroll = Proc.run("outpost-agent", gateway.logs, "enroll", Map.of(), "enroll", "--server",
                    gateway.estUrl(), "--ca-sha256", gateway.pin, "--token-file", token.toString(), "--state-dir",
                    root.resolve("state").toString());
            assertEquals(0, enroll.exit(), enroll.toString());
            Credentials creds = Credentials.load(root.resolve("state"));
            Clock clock = Clock.systemUTC();
            var tls = tlsOf(creds);
            try (DiskQueue queue = DiskQueue.open(root.resolve("queue"), 1 << 20, 0, clock);
                    HttpsClient http = new HttpsClient(URI.create(gateway.ingestUrl()),
                            () -> tls, Duration.ofSeconds(10))) {
                long first = queue.append(batch("e2e.before", 0));
                long big = queue.append(batch("e2e.too_big", 16_000));
                queue.append(batch("e2e.after.1", 0));
                long last = queue.append(batch("e2e.after.2", 0));
                PushLoop loop = new PushLoop(queue, new OtlpPusher(http), new Backoff(Duration.ofMillis(100),
                        Duration.ofSeconds(1), Duration.ofSeconds(1), new SplittableRandom(), clock),
                        BatchKeys.load(creds.agentId(), root.resolve("queue")), 8, clock, new Metrics(), p -> { });
                Thread t = new Thread(loop, "test-push");
                t.start();
                Proc.await(() -> queue.stats().records() == 0, Duration.ofSeconds(30), "the queue to empty");
                loop.stop();
                t.join();

                assertEquals(1, loop.rejected());
                assertEquals(0, loop.retries(), "a 413 is never retried");
                SinkBatches sink = SinkBatches.of(gateway, creds.agentId());
                assertEquals(List.of(first, big + 1, last), List.copyOf(sink.sequences));
                List<String> order = gateway.sinkLines().stream().filter(l -> l.contains("\"metric\":\"e2e."))
                        .map(l -> l.replaceAll(".*\"metric\":\"(e2e\\.[a-z_.0-9]+)\".*", "$1")).toList();
                assertEquals(List.of("e2e.before", "e2e.after.1", "e2e.after.2"), order);
                gateway.proc.awaitLog(Pattern.compile("refused with 413"), Duration.ofSeconds(5));
            }
        }
    }

    private static dev.outpost.agent.tls.ClientTls tlsOf(Credentials c) {
        try {
            return TlsSettings.client(c.key(), List.of(c.certificate()), c.trustBundle());
        } catch (javax.net.ssl.SSLException e) {
            throw new IllegalStateException(e);
        }
    }
}
