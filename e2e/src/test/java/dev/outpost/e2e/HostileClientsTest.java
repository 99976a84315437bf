package dev.outpost.e2e;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.outpost.wire.Pem;
import io.opentelemetry.proto.collector.metrics.v1.ExportMetricsServiceRequest;
import io.opentelemetry.proto.common.v1.AnyValue;
import io.opentelemetry.proto.common.v1.ArrayValue;
import io.opentelemetry.proto.common.v1.KeyValue;
import io.opentelemetry.proto.metrics.v1.Gauge;
import io.opentelemetry.proto.metrics.v1.Metric;
import io.opentelemetry.proto.metrics.v1.NumberDataPoint;
import io.opentelemetry.proto.metrics.v1.ResourceMetrics;
import io.opentelemetry.proto.metrics.v1.ScopeMetrics;
import io.opentelemetry.proto.resource.v1.Resource;
import java.io.ByteArrayOutputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.zip.GZIPOutputStream;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLSocket;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;

/**
 * The real gateway process (the packaged launcher's 512 MiB heap) against the worst a client holding one valid
 * agent key can send — a million data points, huge attributes, values nested a thousand deep, an NDJSON bomb under
 * large resource attributes — and against slow, idle and fd-exhausting connections, while a real agent keeps
 * pushing: every hostile request gets a 4xx, nothing of it is stored, and the real agent's batches keep arriving.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class HostileClientsTest {
    @TempDir
    static Path root;
    Gateway gateway;
    TestAgent agent;
    SSLContext attacker;

    @BeforeAll
    void start() throws Exception {
        gateway = Gateway.start(root, "gateway", Map.of("OUTPOST_GATEWAY_EST_CONNECTIONS_REQUEST_TIMEOUT", "2s",
                "OUTPOST_GATEWAY_EST_CONNECTIONS_HANDSHAKE_TIMEOUT", "2s",
                "OUTPOST_GATEWAY_EST_CONNECTIONS_MAX_PER_ADDRESS", "64"), "localhost", "127.0.0.1");
        agent = new TestAgent(gateway, root, "agent", "acme", "");
        agent.start();
        TestAgent key = new TestAgent(gateway, root, "attacker", "evil", "");
        Path state = key.dir.resolve("state");
        attacker = MtlsSocket.context(Pem.readPrivateKey(state.resolve("agent.key")),
                Pem.readCertificates(state.resolve("agent.crt")).get(0),
                Pem.readCertificates(state.resolve("ca.crt")).get(0));
        agent.awaitStored(2);
    }

    @AfterAll
    void stop() throws Exception {
        agent.proc.stop();
        gateway.close();
    }

    static byte[] gzip(byte[] raw) throws Exception {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try (GZIPOutputStream gz = new GZIPOutputStream(out)) {
            gz.write(raw);
        }
        return out.toByteArray();
    }

    static KeyValue kv(String k, AnyValue v) {
        return KeyValue.newBuilder().setKey(k).setValue(v).build();
    }

    static AnyValue text(String s) {
        return AnyValue.newBuilder().setStringValue(s).build();
    }

    static ExportMetricsServiceRequest batch(Resource resource, Metric... metrics) {
        ScopeMetrics.Builder scope = ScopeMetrics.newBuilder();
        for (Metric m : metrics) {
            scope.addMetrics(m);
        }
        return ExportMetricsServiceRequest.newBuilder().addResourceMetrics(ResourceMetrics.newBuilder()
                .setResource(resource).addScopeMetrics(scope)).build();
    }

    static NumberDataPoint.Builder point() {
        return NumberDataPoint.newBuilder().setTimeUnixNano(System.currentTimeMillis() * 1_000_000L).setAsInt(1);
    }

    /**
     * A batch of one gauge {@code name} with {@code n} copies of one data point, written straight in the wire format
     * (building a million protobuf objects in the test would take the test's own heap).
     */
    static byte[] points(String name, int n) throws Exception {
        byte[] p = point().build().toByteArray();
        ByteArrayOutputStream gauge = new ByteArrayOutputStream(n * (p.length + 2));
        com.google.protobuf.CodedOutputStream g = com.google.protobuf.CodedOutputStream.newInstance(gauge);
        for (int i = 0; i < n; i++) {
            g.writeByteArray(1, p);
        }
        g.flush();
        Metric head = Metric.newBuilder().setName(name).build();
        ByteArrayOutputStream metric = new ByteArrayOutputStream();
        com.google.protobuf.CodedOutputStream m = com.google.protobuf.CodedOutputStream.newInstance(metric);
        m.writeRawBytes(head.toByteArray());
        m.writeByteArray(5, gauge.toByteArray());
        m.flush();
        ByteArrayOutputStream scope = new ByteArrayOutputStream();
        com.google.protobuf.CodedOutputStream sc = com.google.protobuf.CodedOutputStream.newInstance(scope);
        sc.writeByteArray(2, metric.toByteArray());
        sc.flush();
        ByteArrayOutputStream rm = new ByteArrayOutputStream();
        com.google.protobuf.CodedOutputStream r = com.google.protobuf.CodedOutputStream.newInstance(rm);
        r.writeByteArray(2, scope.toByteArray());
        r.flush();
        ByteArrayOutputStream req = new ByteArrayOutputStream();
        com.google.protobuf.CodedOutputStream q = com.google.protobuf.CodedOutputStream.newInstance(req);
        q.writeByteArray(1, rm.toByteArray());
        q.flush();
        return req.toByteArray();
    }

    /** POSTs a gzipped batch as the attacker; returns the status line. */
    String post(byte[] gzipped) throws Exception {
        String head = "POST /v1/metrics HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/x-protobuf\r\n"
                + "Content-Encoding: gzip\r\nContent-Length: " + gzipped.length + "\r\n\r\n";
        String r = new String(MtlsSocket.exchange(attacker, gateway.ingestPort, head, gzipped),
                StandardCharsets.ISO_8859_1);
        assertFalse(r.contains("Exception") || r.contains("\tat "), "no stack trace on the wire: " + r);
        return r.isEmpty() ? "(closed)" : r.substring(0, r.indexOf("\r\n"));
    }

    @Test
    void theWorstBodiesGetA4xxAndTheRealAgentKeepsBeingServed() throws Exception {
        int before = SinkBatches.of(gateway, agent.id).sequences.size();
        // A million minimal data points: a few hundred KB gzipped, megabytes decoded, hundreds of MB as objects.
        String r = post(gzip(points("bomb", 1_000_000)));
        assertTrue(r.startsWith("HTTP/1.1 413"), "a million points: " + r);
        // 400,000: under the decoded bound (8 MiB), over the data point bound.
        r = post(gzip(points("bomb", 400_000)));
        assertTrue(r.startsWith("HTTP/1.1 413"), "400,000 points: " + r);

        // Huge attributes: 100 of 60 KB each.
        NumberDataPoint.Builder wide = point();
        for (int i = 0; i < 100; i++) {
            wide.addAttributes(kv("k" + i, text("v".repeat(60_000))));
        }
        r = post(gzip(batch(Resource.getDefaultInstance(), Metric.newBuilder().setName("wide").setGauge(
                Gauge.newBuilder().addDataPoints(wide)).build()).toByteArray()));
        assertTrue(r.startsWith("HTTP/1.1 413"), "huge attributes: " + r);

        // A value nested a thousand deep.
        AnyValue deep = text("x");
        for (int i = 0; i < 1000; i++) {
            deep = AnyValue.newBuilder().setArrayValue(ArrayValue.newBuilder().addValues(deep)).build();
        }
        r = post(gzip(batch(Resource.getDefaultInstance(), Metric.newBuilder().setName("deep").setGauge(
                Gauge.newBuilder().addDataPoints(point().addAttributes(kv("deep", deep)))).build()).toByteArray()));
        assertTrue(r.startsWith("HTTP/1.1 400"), "deep nesting: " + r);

        // The NDJSON bomb: many small points under a large resource, which a per-point renderer repeated.
        Resource.Builder big = Resource.newBuilder();
        for (int i = 0; i < 100; i++) {
            big.addAttributes(kv("label" + i, text("v".repeat(4000))));
        }
        Gauge.Builder many = Gauge.newBuilder();
        for (int i = 0; i < 19_000; i++) {
            many.addDataPoints(point().addAttributes(kv("i", text(Integer.toString(i)))));
        }
        r = post(gzip(batch(big.build(), Metric.newBuilder().setName("ndjson.bomb").setGauge(many).build())
                .toByteArray()));
        assertTrue(r.startsWith("HTTP/1.1 200"), "within every bound, so stored (once, not per point): " + r);

        agent.awaitStored(before + 3);
        assertTrue(gateway.proc.process.isAlive());
        String log = gateway.proc.err();
        assertFalse(log.contains("OutOfMemoryError"), "no OutOfMemoryError");
        assertTrue(gateway.sinkRaw().stream().noneMatch(l -> l.contains("\"metric\":\"bomb\"")
                || l.contains("\"metric\":\"wide\"") || l.contains("\"metric\":\"deep\"")), "nothing refused was stored");
        long bombLines = gateway.sinkRaw().stream().filter(l -> l.contains("ndjson.bomb")).count();
        assertEquals(1, bombLines, "19,000 points under one resource are one line, not 19,000 copies of it");
    }

    @Test
    void slowAndIdleConnectionsAreCutOffAndRunningOutOfDescriptorsIsSurvived() throws Exception {
        // Slow clients on EST: TLS done, then a byte now and then; they are closed at the request deadline (2 s).
        SSLContext trusting = MtlsSocket.context(null, null,
                Pem.readCertificates(gateway.dir.resolve("ca/ca.crt")).get(0));
        List<SSLSocket> slow = new ArrayList<>();
        for (int i = 0; i < 20; i++) {
            SSLSocket s = (SSLSocket) trusting.getSocketFactory().createSocket("127.0.0.1", gateway.estPort);
            s.startHandshake();
            s.getOutputStream().write("GET /.well-known/est/cac".getBytes(StandardCharsets.US_ASCII));
            s.getOutputStream().flush();
            slow.add(s);
        }
        long start = System.nanoTime();
        for (SSLSocket s : slow) {
            s.setSoTimeout(10_000);
            try {
                assertEquals(-1, s.getInputStream().read(), "closed without an answer");
            } catch (java.net.SocketException e) {
                // reset: closed as well
            }
            s.close();
        }
        long took = (System.nanoTime() - start) / 1_000_000;
        assertTrue(took < 8_000, "all closed about 2 s after they started: " + took + " ms");

        // Out of file descriptors: the gateway may hold 256; 400 raw connections to ingest exhaust them.
        Process prlimit = new ProcessBuilder("prlimit", "--pid", Long.toString(gateway.proc.pid()),
                "--nofile=256:256").inheritIO().start();
        assertTrue(prlimit.waitFor(10, java.util.concurrent.TimeUnit.SECONDS) && prlimit.exitValue() == 0,
                "prlimit (util-linux) set the gateway's descriptor limit");
        List<Socket> held = new ArrayList<>();
        try {
            for (int i = 0; i < 400; i++) {
                Socket s = new Socket();
                s.connect(new java.net.InetSocketAddress("127.0.0.1", gateway.ingestPort), 2_000);
                held.add(s);
            }
            Proc.await(() -> {
                try {
                    return gateway.proc.err().contains("ingest: accepting a connection failed");
                } catch (Exception e) {
                    return false;
                }
            }, Duration.ofSeconds(20), "the accept failure in the log");
            Thread.sleep(3_000);
        } finally {
            for (Socket s : held) {
                s.close();
            }
        }
        long lines = gateway.proc.err().lines().filter(l -> l.contains("accepting a connection failed")).count();
        assertTrue(lines <= 2, "logged once a minute, not per attempt: " + lines + " lines");
        assertFalse(gateway.proc.err().contains("\tat io.netty"), "no stack trace per attempt");
        int stored = SinkBatches.of(gateway, agent.id).sequences.size();
        agent.awaitStored(stored + 3);
        Files.writeString(root.resolve("done"), "ok");
    }
}
