package dev.outpost.agent.transport;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;

import dev.outpost.agent.tls.Identity;
import dev.outpost.agent.tls.TestCa;
import dev.outpost.wire.WireNames;
import java.net.ServerSocket;
import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Several servers (fallback_servers): a gateway that cannot be reached moves the next request to the next one. */
class ServersInTurnTest {
    @TempDir
    Path stateDir;

    @Test
    void aServerThatCannotBeReachedIsFollowedByTheNextInTurn() throws Exception {
        TestCa ca = new TestCa();
        Instant now = Instant.now();
        ca.credentials("a-00000000000000bb", "acme", now.minusSeconds(3600), now.plusSeconds(86400)).store(stateDir);
        Identity identity = Identity.load(stateDir);
        int closed;
        try (ServerSocket s = new ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
            closed = s.getLocalPort(); // nothing listens there once this closes: connection refused
        }
        try (RecordingHttpsServer up = RecordingHttpsServer.start(ca.server("127.0.0.1"), ca.certificate(),
                (r, i) -> RecordingHttpsServer.response(200, "OK", Map.of(), new byte[0]))) {
            URI down = URI.create("https://127.0.0.1:" + closed + WireNames.OTLP_METRICS_PATH);
            URI second = URI.create(up.url(WireNames.OTLP_METRICS_PATH));
            try (HttpsClient http = new HttpsClient(List.of(down, second), identity::context,
                    Duration.ofSeconds(5), identity)) {
                HttpsClient.Pipelined first = http.exchangeAll(List.of(request()));
                assertNotNull(first.failure(), "the first server refuses the connection");
                assertEquals(second, http.base(), "the next request goes to the next server");
                assertEquals(200, http.exchange(request()).status());
                assertEquals(1, up.requests().size());
            }
        }
    }

    private static Request request() {
        return Request.post(WireNames.OTLP_METRICS_PATH, new byte[0]);
    }
}
