package dev.outpost.agent.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.outpost.agent.tls.TestCa;
import dev.outpost.agent.transport.RecordingHttpsServer;
import dev.outpost.wire.CaPin;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code enroll} against a real TLS server: which failures are refusals (77) and which are worth retrying (69). */
class EnrollRefusalTest {
    @TempDir
    Path dir;
    final ByteArrayOutputStream out = new ByteArrayOutputStream();
    final ByteArrayOutputStream err = new ByteArrayOutputStream();

    int enroll(RecordingHttpsServer server, TestCa ca) throws Exception {
        Path token = Files.writeString(dir.resolve("token"), "opt_0123456789ab_" + "5e".repeat(24));
        Path config = Files.writeString(dir.resolve("agent.yaml"), "server: " + server.url("") + "\n");
        return new AgentCli(new PrintStream(out, true, StandardCharsets.UTF_8),
                new PrintStream(err, true, StandardCharsets.UTF_8), Map.of(), Clock.systemUTC())
                .run("enroll", "--server", server.url(""), "--ca-sha256", CaPin.of(ca.certificate()).toString(),
                        "--token-file", token.toString(), "--state-dir", dir.resolve("state").toString(),
                        "--config", config.toString());
    }

    String err() {
        return err.toString(StandardCharsets.UTF_8);
    }

    @Test
    void aGatewayCertificateForOtherNamesIsARefusalNamingBoth() throws Exception {
        TestCa ca = new TestCa();
        try (RecordingHttpsServer server = RecordingHttpsServer.start(
                ca.server("gateway.example.com", "gw.example.com"), null, (r, i) -> null)) {
            assertEquals(77, enroll(server, ca), err());
            assertEquals("outpost-agent: enrollment refused: TLS to " + server.url("") + " refused: the gateway's "
                    + "certificate is for gateway.example.com, gw.example.com, not for 127.0.0.1, the host this agent "
                    + "was given; give it a name the certificate has (e.g. --server https://gateway.example.com:"
                    + server.port() + "), or add 127.0.0.1 to server_cert.hostnames in the gateway's gateway.yaml and "
                    + "restart the gateway\n", err());
            assertTrue(server.requests().isEmpty(), "nothing was sent before the name was checked");
            assertFalse(Files.exists(dir.resolve("state/agent.key")));
        }
    }

    @Test
    void aGatewayWithTheRightNameThatIsDownIsWorthRetrying() throws Exception {
        TestCa ca = new TestCa();
        try (RecordingHttpsServer server = RecordingHttpsServer.start(ca.server("127.0.0.1"), null,
                (r, i) -> RecordingHttpsServer.response(503, "Service Unavailable", Map.of("Content-Type",
                        "text/plain"), "maintenance".getBytes(StandardCharsets.UTF_8)))) {
            assertEquals(69, enroll(server, ca), err());
            assertEquals("/.well-known/est/cacerts", server.requests().get(0).path());
            assertTrue(err().contains("(HTTP 503): maintenance"), err());
        }
    }
}
