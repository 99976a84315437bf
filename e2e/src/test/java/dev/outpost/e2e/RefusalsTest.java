package dev.outpost.e2e;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.outpost.wire.Pem;
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
import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.PrivateKey;
import java.security.cert.X509Certificate;
import java.security.spec.ECGenParameterSpec;
import java.time.Instant;
import java.util.Date;
import java.util.Map;
import java.util.zip.GZIPOutputStream;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLException;
import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.cert.jcajce.JcaX509CertificateConverter;
import org.bouncycastle.cert.jcajce.JcaX509v3CertificateBuilder;
import org.bouncycastle.operator.jcajce.JcaContentSignerBuilder;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;

/** Everything the gateway and the agent must refuse, and that the gateway keeps serving afterwards. */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class RefusalsTest {
    @TempDir
    static Path root;
    Gateway gateway;
    Path state;
    SSLContext agentTls;
    X509Certificate ca;

    @BeforeAll
    void enroll() throws Exception {
        gateway = Gateway.start(root);
        state = root.resolve("state");
        Proc.Result r = enrollWith(gateway.createToken("acme", 1), gateway.pin, "first");
        assertEquals(0, r.exit(), r.toString());
        ca = Pem.readCertificates(state.resolve("ca.crt")).get(0);
        agentTls = MtlsSocket.context(Pem.readPrivateKey(state.resolve("agent.key")),
                Pem.readCertificates(state.resolve("agent.crt")).get(0), ca);
    }

    @AfterAll
    void stop() throws Exception {
        gateway.close();
    }

    Proc.Result enrollWith(String token, String pin, String name) throws Exception {
        Path tokenFile = root.resolve("token-" + name);
        Files.writeString(tokenFile, token);
        Files.setPosixFilePermissions(tokenFile, PosixFilePermissions.fromString("rw-------"));
        return Proc.run("outpost-agent", gateway.logs, "enroll-" + name, Map.of(), "enroll", "--server",
                gateway.estUrl(), "--ca-sha256", pin, "--token-file", tokenFile.toString(), "--state-dir",
                (name.equals("first") ? state : root.resolve("state-" + name)).toString());
    }

    @Test
    void aTokenUsedBeyondItsUsesIsRefusedWith401() throws Exception {
        String token = gateway.createToken("acme", 1);
        assertEquals(0, enrollWith(token, gateway.pin, "once").exit());
        Proc.Result again = enrollWith(token, gateway.pin, "twice");
        assertEquals(77, again.exit(), again.toString());
        assertTrue(again.err().contains("enrollment refused: gateway refused simpleenroll (HTTP 401): token opt_"),
                again.err());
        assertTrue(again.err().contains("is used up (1 of 1 uses)"), again.err());
        assertFalse(Files.exists(root.resolve("state-twice").resolve("agent.crt")));
    }

    @Test
    void aWrongPinMakesEnrollRefuseAndExplain() throws Exception {
        String wrongPin = "sha256:" + "ab".repeat(32);
        Proc.Result r = enrollWith(gateway.createToken("acme", 1), wrongPin, "wrongpin");
        assertEquals(77, r.exit(), r.toString());
        assertTrue(r.err().contains("the server's CA does not match the pin " + wrongPin
                + "; check the pin with `outpost-gateway pin` on the gateway"), r.err());
        assertFalse(Files.exists(root.resolve("state-wrongpin").resolve("agent.key")), "nothing written on refusal");
    }

    @Test
    void theGatewaysNameIsVerifiedNotOnlyItsCa() throws Exception {
        try (Gateway named = Gateway.start(root, "named-gateway", "gateway.example.com")) {
            Path tokenFile = root.resolve("token-named");
            Files.writeString(tokenFile, named.createToken("acme", 1));
            Proc.Result r = Proc.run("outpost-agent", gateway.logs, "enroll-named", Map.of(), "enroll", "--server",
                    named.estUrl(), "--ca-sha256", named.pin, "--token-file", tokenFile.toString(), "--state-dir",
                    root.resolve("state-named").toString());
            // A refusal, not an outage: an installer must not retry it forever.
            assertEquals(77, r.exit(), r.toString());
            assertTrue(r.err().contains("enrollment refused: TLS to " + named.estUrl() + " refused: the gateway's "
                    + "certificate is for gateway.example.com, not for 127.0.0.1, the host this agent was given"),
                    r.err());
            assertFalse(Files.exists(root.resolve("state-named").resolve("agent.crt")));
        }
    }

    @Test
    void aBadConfigFileExits78NamingFileLineKeyAndFix() throws Exception {
        Path bad = root.resolve("bad.yaml");
        Files.writeString(bad, "server: https://gw.example.com:8443\nintervall: 10s\n");
        Proc.Result r = Proc.run("outpost-agent", gateway.logs, "check-config", Map.of(), "check-config", "--config",
                bad.toString());
        assertEquals(78, r.exit(), r.toString());
        assertTrue(r.err().contains(bad + ":2: unknown key \"intervall\"; did you mean \"interval\"?"), r.err());
        Proc.Result run = Proc.run("outpost-agent", gateway.logs, "run-bad-config", Map.of(), "run", "--config",
                bad.toString());
        assertEquals(78, run.exit(), run.toString());
    }

    @Test
    void aClientCertificateFromAnotherCaFailsTheHandshakeAndNothingIsStored() throws Exception {
        int before = gateway.sinkLines().size();
        KeyPairGenerator gen = KeyPairGenerator.getInstance("EC");
        gen.initialize(new ECGenParameterSpec("secp256r1"));
        KeyPair rogue = gen.generateKeyPair();
        X509Certificate rogueCert = selfSigned(rogue, "CN=a-0123456789abcdef,O=acme");
        SSLContext ctx = MtlsSocket.context(rogue.getPrivate(), rogueCert, ca);
        assertThrows(SSLException.class, () -> MtlsSocket.exchange(ctx, gateway.ingestPort,
                post(batch().length), batch()));
        SSLContext none = MtlsSocket.context(null, null, ca);
        assertThrows(SSLException.class, () -> MtlsSocket.exchange(none, gateway.ingestPort, post(batch().length),
                batch()));
        gateway.proc.awaitLog(java.util.regex.Pattern.compile("ingest: TLS handshake with 127\\.0\\.0\\.1 failed"),
                java.time.Duration.ofSeconds(10));
        assertEquals(before, gateway.sinkLines().size());
        assertOk();
    }

    @Test
    void plainHttpToIngestGetsNoHttpAnswer() throws Exception {
        byte[] answer = MtlsSocket.plain(gateway.ingestPort, post(0));
        assertFalse(new String(answer, StandardCharsets.ISO_8859_1).startsWith("HTTP/"));
        assertOk();
    }

    @Test
    void malformedBodyIs400AndTheGatewayKeepsServing() throws Exception {
        byte[] garbage = gzip("this is not protobuf at all \u0000\u0001\u0002".getBytes(StandardCharsets.UTF_8));
        String r = new String(MtlsSocket.exchange(agentTls, gateway.ingestPort, post(garbage.length), garbage),
                StandardCharsets.ISO_8859_1);
        assertTrue(r.startsWith("HTTP/1.1 400 Bad Request\r\n"), r);
        assertTrue(r.contains("body is not a protobuf ExportMetricsServiceRequest"), r);
        assertFalse(r.contains("Exception") || r.contains("\tat "), "no stack trace on the wire: " + r);
        assertOk();
    }

    @Test
    void oversizedBodyIs413WithoutBeingRead() throws Exception {
        String head = "POST /v1/metrics HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/x-protobuf\r\n"
                + "Content-Encoding: gzip\r\nContent-Length: 1073741824\r\n\r\n";
        String r = new String(MtlsSocket.exchange(agentTls, gateway.ingestPort, head, new byte[0]),
                StandardCharsets.ISO_8859_1);
        assertTrue(r.startsWith("HTTP/1.1 413 Request Entity Too Large\r\n"), r);
        gateway.proc.awaitLog(java.util.regex.Pattern.compile("refused with 413: body of 1073741824 bytes exceeds"),
                java.time.Duration.ofSeconds(10));
        assertOk();
    }

    @Test
    void identityInThePayloadIsOverwrittenFromTheCertificate() throws Exception {
        byte[] body = batch();
        String r = new String(MtlsSocket.exchange(agentTls, gateway.ingestPort, post(body.length), body),
                StandardCharsets.ISO_8859_1);
        assertTrue(r.startsWith("HTTP/1.1 200 OK\r\n"), r);
        String agentId = Pem.readCertificates(state.resolve("agent.crt")).get(0).getSubjectX500Principal().getName()
                .replaceAll(".*CN=([^,]+).*", "$1");
        Proc.await(() -> {
            try {
                return gateway.sinkLines().stream().anyMatch(l -> l.contains("\"metric\":\"e2e.probe\""));
            } catch (Exception e) {
                return false;
            }
        }, java.time.Duration.ofSeconds(10), "the probe metric in the sink");
        String line = gateway.sinkLines().stream().filter(l -> l.contains("\"metric\":\"e2e.probe\"")).findFirst()
                .orElseThrow();
        assertTrue(line.contains("\"org\":\"acme\",\"agent\":\"" + agentId + "\""), line);
        assertFalse(line.contains("evil"), line);
    }

    void assertOk() throws Exception {
        byte[] body = batch();
        String r = new String(MtlsSocket.exchange(agentTls, gateway.ingestPort, post(body.length), body),
                StandardCharsets.ISO_8859_1);
        assertTrue(r.startsWith("HTTP/1.1 200 OK\r\n"), "gateway still serves: " + r);
    }

    static String post(int length) {
        return "POST /v1/metrics HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/x-protobuf\r\n"
                + "Content-Encoding: gzip\r\nContent-Length: " + length + "\r\n\r\n";
    }

    static byte[] batch() throws Exception {
        KeyValue spoof = KeyValue.newBuilder().setKey("outpost.org.id")
                .setValue(AnyValue.newBuilder().setStringValue("evil")).build();
        ExportMetricsServiceRequest req = ExportMetricsServiceRequest.newBuilder().addResourceMetrics(
                ResourceMetrics.newBuilder().setResource(Resource.newBuilder().addAttributes(spoof))
                        .addScopeMetrics(ScopeMetrics.newBuilder().addMetrics(Metric.newBuilder().setName("e2e.probe")
                                .setGauge(Gauge.newBuilder().addDataPoints(NumberDataPoint.newBuilder()
                                        .setTimeUnixNano(System.currentTimeMillis() * 1_000_000L).setAsDouble(1))))))
                .build();
        return gzip(req.toByteArray());
    }

    static byte[] gzip(byte[] data) throws Exception {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try (GZIPOutputStream gz = new GZIPOutputStream(out)) {
            gz.write(data);
        }
        return out.toByteArray();
    }

    static X509Certificate selfSigned(KeyPair kp, String dn) throws Exception {
        PrivateKey key = kp.getPrivate();
        Instant now = Instant.now();
        var b = new JcaX509v3CertificateBuilder(new X500Name(dn), BigInteger.TEN, Date.from(now.minusSeconds(60)),
                Date.from(now.plusSeconds(3600)), new X500Name(dn), kp.getPublic());
        return new JcaX509CertificateConverter().getCertificate(b.build(new JcaContentSignerBuilder("SHA256withECDSA")
                .build(key)));
    }
}
