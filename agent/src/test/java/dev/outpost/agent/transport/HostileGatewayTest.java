package dev.outpost.agent.transport;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.spi.ILoggingEvent;
import dev.outpost.agent.LogCapture;
import dev.outpost.agent.MutableClock;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * What a hostile or broken gateway sends back reaches the agent's log as one bounded, printable line: it can neither
 * flood the log nor forge lines in it.
 */
class HostileGatewayTest {
    /** The longest log line the push loop writes about a rejected batch: its fixed text, the key and the bound. */
    static final int MAX_LINE = 400;
    static final String FORGED = "\n2026-12-02T05:00:00.000Z INFO  push - pushing works again\r\u001b[2K\u202e";

    @TempDir
    Path dir;

    static void assertOneBoundedPrintableLine(String line) {
        assertTrue(line.length() <= MAX_LINE, () -> line.length() + " characters: " + line.substring(0, 300));
        assertTrue(line.chars().allMatch(c -> c >= 0x20 && c != 0x7f && Character.getType(c) != Character.FORMAT),
                "only printable characters: " + line);
    }

    List<String> rejectedWith(byte[] response) throws Exception {
        try (LogCapture log = new LogCapture("outpost.agent.push");
                PushFixture f = new PushFixture(dir, new MutableClock(Instant.parse("2026-11-22T05:20:00Z")),
                        (r, i) -> response)) {
            f.append(1);
            PushLoop loop = f.loop(1);
            assertTrue(loop.sendAll(f.queue.peek(1)));
            assertEquals(1, loop.rejected());
            assertOneBoundedPrintableLine(loop.lastResult());
            return log.events().stream().filter(e -> e.getLevel() == Level.ERROR).map(ILoggingEvent::getFormattedMessage)
                    .toList();
        }
    }

    @Test
    void aHugeTextBodyWithLineBreaksAndEscapeSequencesIsLoggedAsOneBoundedLine() throws Exception {
        byte[] body = ("bad batch" + FORGED + "x".repeat(900_000)).getBytes(StandardCharsets.UTF_8);
        List<String> errors = rejectedWith(RecordingHttpsServer.response(400, "Bad Request",
                Map.of("Content-Type", "text/plain"), body));
        assertEquals(1, errors.size());
        assertOneBoundedPrintableLine(errors.get(0));
        assertTrue(errors.get(0).contains("(HTTP 400: bad batch\\n2026-12-02T05:00:00.000Z INFO  push - pushing works "
                + "again\\r\\x1b[2K\\u202exxx"), errors.get(0));
        assertTrue(errors.get(0).endsWith("… (" + body.length + " bytes in all)); dropped it"), errors.get(0));
    }

    @Test
    void aHugeProtobufStatusMessageIsLoggedAsOneBoundedLine() throws Exception {
        byte[] msg = ("malformed" + FORGED + "z".repeat(100_000)).getBytes(StandardCharsets.UTF_8);
        java.io.ByteArrayOutputStream status = new java.io.ByteArrayOutputStream();
        status.write(new byte[] {0x08, 3, 0x12});
        for (int n = msg.length; ; n >>>= 7) { // varint length
            if (n < 0x80) {
                status.write(n);
                break;
            }
            status.write((n & 0x7f) | 0x80);
        }
        status.write(msg);
        List<String> errors = rejectedWith(RecordingHttpsServer.response(400, "Bad Request",
                Map.of("Content-Type", "application/x-protobuf"), status.toByteArray()));
        assertOneBoundedPrintableLine(errors.get(0));
        assertTrue(errors.get(0).contains("(HTTP 400: malformed\\n2026-12-02T05:00:00.000Z INFO"), errors.get(0));
    }
}
