package dev.outpost.agent.transport;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.outpost.agent.MutableClock;
import java.nio.file.Path;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Which answers make the agent drop its connection before it tries again. */
class PushConnectionTest {
    @TempDir
    Path dir;

    /** Pushes one batch twice through the real push path, the first answered {@code first}; returns connections. */
    int connectionsAfterRetry(Map<String, String> firstHeaders) throws Exception {
        Map<String, String> protobuf = Map.of("Content-Type", "application/x-protobuf");
        try (PushFixture f = new PushFixture(dir, new MutableClock(Instant.parse("2026-11-22T05:20:00Z")),
                (r, i) -> i == 0 ? RecordingHttpsServer.response(503, "Service Unavailable", firstHeaders, new byte[0])
                        : RecordingHttpsServer.response(200, "OK", protobuf, new byte[0]))) {
            long seq = f.append(1);
            PushLoop loop = f.loop(1);
            assertTrue(loop.sendAll(f.queue.peek(1)));
            assertEquals(seq, f.queue.peek(1).get(0).seq(), "kept after the 503");
            assertTrue(loop.sendAll(f.queue.peek(1)));
            assertEquals(List.of(), f.queue.peek(1), "stored at the second try");
            List<String> keys = f.keys();
            assertEquals(2, keys.size());
            assertEquals(keys.get(0), keys.get(1), "sent again with the same key");
            return f.server.connections();
        }
    }

    @Test
    void aBatchAnsweredLaterIsSentAgainOnTheConnectionTheGatewayKept() throws Exception {
        assertEquals(1, connectionsAfterRetry(Map.of("Retry-After", "1", "Content-Type", "application/x-protobuf")));
    }

    @Test
    void aConnectionTheGatewayClosesWithItsAnswerIsMadeAgain() throws Exception {
        assertEquals(2, connectionsAfterRetry(Map.of("Retry-After", "1", "Connection", "close",
                "Content-Type", "application/x-protobuf")));
    }

    @Test
    void anIdleConnectionCutWithoutATlsCloseIsMadeAgainWithinTheSamePush() throws Exception {
        try (PushFixture f = new PushFixture(dir, new MutableClock(Instant.parse("2026-11-22T05:20:00Z")),
                (r, i) -> PushFixture.ok("stored", PushFixture.keyNumber(r)), true)) {
            PushLoop loop = f.loop(1);
            f.append(1);
            assertTrue(loop.sendAll(f.queue.peek(1)));
            assertEquals(List.of(), f.queue.peek(1));

            f.cut.cutAll(); // a NAT's idle timeout: the kept connection is gone, and no TLS alert said so
            f.append(1);
            assertTrue(loop.sendAll(f.queue.peek(1)));
            assertEquals(List.of(), f.queue.peek(1), "stored by the first push after the cut, not left for a retry");
            assertEquals(2, f.server.connections());
            assertEquals(2, f.server.requests().size(), "each batch reached the gateway once");
        }
    }

    @Test
    void anIdleConnectionTheGatewayClosesIsMadeAgainWithinTheSamePush() throws Exception {
        try (PushFixture f = new PushFixture(dir, new MutableClock(Instant.parse("2026-11-22T05:20:00Z")),
                (r, i) -> PushFixture.ok("stored", PushFixture.keyNumber(r)))) {
            PushLoop loop = f.loop(1);
            f.append(1);
            assertTrue(loop.sendAll(f.queue.peek(1)));
            f.server.closeConnections(); // its idle timeout: close_notify, then the socket
            f.append(1);
            assertTrue(loop.sendAll(f.queue.peek(1)));
            assertEquals(List.of(), f.queue.peek(1));
            assertEquals(2, f.server.connections());
            assertEquals(2, f.server.requests().size());
        }
    }
}
