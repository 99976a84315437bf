package dev.outpost.gateway.http;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.netty.buffer.Unpooled;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.handler.codec.http.HttpServerCodec;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.slf4j.LoggerFactory;

/** The request deadline and idle timeout on the event loop's own (here frozen, then advanced) time. */
class ConnectionTimeoutsTest {
    private static final String HALF_A_REQUEST = "POST /v1/metrics HTTP/1.1\r\nHost: g\r\nContent-Length: 10\r\n\r\n12345";

    private static EmbeddedChannel channel() {
        EmbeddedChannel ch = new EmbeddedChannel();
        ch.freezeTime();
        ConnectionTimeouts t = new ConnectionTimeouts("ingest", Duration.ofSeconds(30), Duration.ofMinutes(5),
                LoggerFactory.getLogger(ConnectionTimeoutsTest.class));
        ch.pipeline().addLast(t.bytes(), new HttpServerCodec(), t);
        return ch;
    }

    private static void advance(EmbeddedChannel ch, int seconds) {
        ch.advanceTimeBy(seconds, TimeUnit.SECONDS);
        ch.runScheduledPendingTasks();
    }

    @Test
    void aRequestThatDoesNotArriveWholeWithinTheDeadlineClosesTheConnection() {
        EmbeddedChannel ch = channel();
        ch.writeInbound(Unpooled.copiedBuffer(HALF_A_REQUEST, StandardCharsets.US_ASCII));
        advance(ch, 29);
        assertTrue(ch.isOpen(), "within the deadline");
        advance(ch, 2);
        assertFalse(ch.isOpen(), "a client trickling its request is cut off after 30 s");
    }

    @Test
    void whileTheGatewayPausedReadingTheClientsClockDoesNotRun() {
        EmbeddedChannel ch = channel();
        ch.writeInbound(Unpooled.copiedBuffer(HALF_A_REQUEST, StandardCharsets.US_ASCII));
        ch.config().setAutoRead(false); // the connection's earlier requests wait for the sink
        advance(ch, 45);
        advance(ch, 45);
        assertTrue(ch.isOpen(), "90 s of a busy gateway are not the client's delay");
        ch.config().setAutoRead(true);
        advance(ch, 29);
        assertTrue(ch.isOpen(), "the clock starts again when reading resumes");
        advance(ch, 35);
        assertFalse(ch.isOpen(), "and then holds the client to the deadline");
    }

    @Test
    void anIdleConnectionIsClosedAfterTheIdleTimeoutAndAWholeRequestStopsTheDeadline() {
        EmbeddedChannel ch = channel();
        ch.writeInbound(Unpooled.copiedBuffer("GET / HTTP/1.1\r\nHost: g\r\n\r\n", StandardCharsets.US_ASCII));
        advance(ch, 60);
        assertTrue(ch.isOpen(), "a whole request has no deadline left");
        advance(ch, 241);
        assertFalse(ch.isOpen(), "closed 5 minutes after the last byte");
    }
}
