package dev.outpost.agent.transport;

import static dev.outpost.agent.transport.PushFixture.AGENT;
import static dev.outpost.agent.transport.PushFixture.keyNumber;
import static dev.outpost.agent.transport.PushFixture.ok;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ch.qos.logback.classic.Level;
import dev.outpost.agent.LogCapture;
import dev.outpost.agent.MutableClock;
import dev.outpost.agent.Tmpfs;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The agent's side of the watermark contract, on the wire: a batch answered {@code stored} with a watermark above
 * its key means the gateway had stored the sequence numbers this queue reuses (a state directory restored from a
 * snapshot); keys then continue above the watermark, only ever grow, survive a restart, and never go beyond what a
 * correct clock allows. A batch whose answer was lost keeps its key when it is sent again.
 */
class KeyRebaseTest {
    static final Instant CREATED = Instant.parse("2026-11-22T05:20:00Z");
    @TempDir
    Path dir;
    final MutableClock clock = new MutableClock(CREATED);
    LogCapture log;

    @BeforeEach
    void capture() {
        log = new LogCapture("outpost.agent.push");
    }

    @AfterEach
    void release() {
        log.close();
    }

    static List<String> keys(long... numbers) {
        return java.util.Arrays.stream(numbers).mapToObj(n -> AGENT + ":" + n).toList();
    }

    @Test
    void aStoredBatchBelowTheWatermarkMovesTheNextKeysAboveItAndTheyStayThereAfterARestart() throws Exception {
        long[] s = new long[1];
        try (PushFixture f = new PushFixture(dir, clock, (r, i) -> i == 0 ? ok("stored", s[0] + 5000)
                : ok("stored", keyNumber(r)))) {
            s[0] = f.append(3);
            clock.advance(Duration.ofHours(1)); // the queue was made an hour ago
            PushLoop loop = f.loop(1);
            assertTrue(loop.sendAll(f.queue.peek(1)));
            assertTrue(loop.sendAll(f.queue.peek(1)));
            assertTrue(loop.sendAll(f.queue.peek(1)));
            assertEquals(keys(s[0], s[0] + 5001, s[0] + 5002), f.keys());
            assertEquals("agent=" + AGENT + "\noffset=5000\n", Files.readString(dir.resolve("queue").resolve(BatchKeys.FILE)));
            assertEquals(List.of("the gateway had already stored batches of this agent up to sequence " + (s[0] + 5000)
                    + ", above this queue's " + s[0] + ": the state directory was restored from a snapshot, or the queue "
                    + "was recreated after one made while the clock was ahead. The gateway stored this batch because "
                    + "its data is newer; from the next batch on, keys are the queue's sequence + 5000 (next key " + AGENT
                    + ":" + (s[0] + 5001) + "), kept in " + dir.resolve("queue").resolve(BatchKeys.FILE)), log.messages(Level.WARN));
            assertEquals(0, f.queue.stats().records());

            PushLoop restarted = f.loop(1);
            f.append(1);
            assertTrue(restarted.sendAll(f.queue.peek(1)));
            assertEquals(AGENT + ":" + (s[0] + 5003), f.keys().get(3), "the offset survives a restart");
            assertEquals(1, log.messages(Level.WARN).size());
        }
    }

    @Test
    void inAPipelinedWindowKeysMoveFromTheFirstBatchNotYetSentAndStayIncreasing() throws Exception {
        long[] s = new long[1];
        try (PushFixture f = new PushFixture(dir, clock, (r, i) -> i < 4 ? ok("stored", s[0] + 5000)
                : ok("stored", keyNumber(r)))) {
            s[0] = f.append(4);
            clock.advance(Duration.ofHours(1));
            PushLoop loop = f.loop(8);
            assertTrue(loop.sendAll(f.queue.peek(8)));
            f.append(2);
            assertTrue(loop.sendAll(f.queue.peek(8)));
            assertEquals(keys(s[0], s[0] + 1, s[0] + 2, s[0] + 3, s[0] + 5001, s[0] + 5002), f.keys());
        }
    }

    @Test
    void aBatchWhoseAnswerWasLostIsSentAgainWithItsKeyAndKeysMoveOnlyAfterACompleteWindow() throws Exception {
        long[] s = new long[1];
        // The gateway stores s, then the connection drops before the answer to s+1: s+1 may be stored.
        try (PushFixture f = new PushFixture(dir, clock, (r, i) -> i == 1 ? null
                : i < 4 ? ok("stored", s[0] + 5000) : ok("stored", keyNumber(r)))) {
            s[0] = f.append(3);
            clock.advance(Duration.ofHours(1));
            PushLoop loop = f.loop(8);
            assertTrue(loop.sendAll(f.queue.peek(8)));
            assertFalse(Files.exists(dir.resolve("queue").resolve(BatchKeys.FILE)), "no move while an answer is missing");
            assertTrue(loop.sendAll(f.queue.peek(8)));
            f.append(1);
            assertTrue(loop.sendAll(f.queue.peek(8)));
            assertEquals(keys(s[0], s[0] + 1, s[0] + 1, s[0] + 2, s[0] + 5001), f.keys());
            assertEquals(0, f.queue.stats().records());
        }
    }

    @Test
    void batchesAnsweredWithAnErrorAreNotStoredSoTheirRetryTakesTheNewKeys() throws Exception {
        long[] s = new long[1];
        byte[] busy = RecordingHttpsServer.response(503, "Service Unavailable", Map.of("Retry-After", "0"),
                new byte[0]);
        byte[] bad = RecordingHttpsServer.response(400, "Bad Request", Map.of("Content-Type", "text/plain"),
                "not a protobuf ExportMetricsServiceRequest".getBytes());
        // As the gateway does: after an error on a connection, what was pipelined behind it gets 503 unprocessed.
        try (PushFixture f = new PushFixture(dir, clock, (r, i) -> i == 0 ? ok("stored", s[0] + 5000)
                : i == 1 || i == 2 || i == 4 ? busy : i == 3 ? bad : ok("stored", keyNumber(r)))) {
            s[0] = f.append(3);
            clock.advance(Duration.ofHours(1));
            PushLoop loop = f.loop(8);
            for (int i = 0; i < 3 && f.queue.stats().records() > 0; i++) {
                assertTrue(loop.sendAll(f.queue.peek(8)));
            }
            assertEquals(keys(s[0], s[0] + 1, s[0] + 2, s[0] + 5001, s[0] + 5002, s[0] + 5002), f.keys(),
                    "a 503 is retried with the same key once keys moved; a 400 is not retried");
            assertEquals(1, loop.rejected());
            assertEquals(0, f.queue.stats().records());
        }
    }

    @Test
    void aWatermarkBeyondTheClockLeavesTheKeysAsTheyAreAndSaysSoOnce() throws Exception {
        long[] s = new long[1];
        long ahead = CREATED.plus(Duration.ofDays(3)).toEpochMilli();
        try (PushFixture f = new PushFixture(dir, clock, (r, i) -> ok("stored", ahead))) {
            s[0] = f.append(3);
            clock.advance(Duration.ofHours(1));
            PushLoop loop = f.loop(1);
            for (int i = 0; i < 3; i++) {
                assertTrue(loop.sendAll(f.queue.peek(1)));
            }
            assertEquals(keys(s[0], s[0] + 1, s[0] + 2), f.keys());
            assertFalse(Files.exists(dir.resolve("queue").resolve(BatchKeys.FILE)));
            assertEquals(List.of("the gateway has stored batches of this agent up to sequence " + ahead + ", above this "
                    + "queue's " + s[0] + ", and ahead of the clock by " + Duration.ofDays(3).minusHours(1).plusMillis(2)
                    .toSeconds() + " s: they came from a queue made while the clock was ahead. Keys stay as they are "
                    + "until the clock passes them (moving them there would look implausible to the gateway); "
                    + "meanwhile it still stores every batch whose data is newer than what it holds"),
                    log.messages(Level.WARN));

            clock.advance(Duration.ofDays(3)); // the clock passed the watermark: now keys can move above it
            f.append(1);
            assertTrue(loop.sendAll(f.queue.peek(1)));
            f.append(1);
            assertTrue(loop.sendAll(f.queue.peek(1)));
            assertEquals(AGENT + ":" + (ahead + 1), f.keys().get(4));
        }
    }

    @Test
    void duplicatesAreAcknowledgedAndMoveNothing() throws Exception {
        long[] s = new long[1];
        try (PushFixture f = new PushFixture(dir, clock, (r, i) -> ok("duplicate", s[0] + 5000))) {
            s[0] = f.append(2);
            clock.advance(Duration.ofHours(1));
            PushLoop loop = f.loop(8);
            assertTrue(loop.sendAll(f.queue.peek(8)));
            assertEquals(0, f.queue.stats().records());
            assertEquals(keys(s[0], s[0] + 1), f.keys());
            assertFalse(Files.exists(dir.resolve("queue").resolve(BatchKeys.FILE)));
            assertTrue(log.messages(Level.WARN).isEmpty());
        }
    }

    @Test
    void whenTheOffsetCannotBeWrittenKeysStayAsTheyAreUntilItCan() throws Exception {
        long[] s = new long[1];
        try (Tmpfs fs = Tmpfs.mount(dir.resolve("state"), "1m");
                PushFixture f = new PushFixture(fs.path(), clock, (r, i) -> i < 2 ? ok("stored", s[0] + 5000)
                        : ok("stored", keyNumber(r)))) {
            s[0] = f.append(3);
            clock.advance(Duration.ofHours(1));
            Path filler = fs.fill("filler");
            PushLoop loop = f.loop(1);
            assertTrue(loop.sendAll(f.queue.peek(1)));
            assertFalse(Files.exists(fs.path().resolve("queue").resolve(BatchKeys.FILE)));
            assertTrue(log.messages(Level.WARN).get(0).startsWith("cannot write " + fs.path().resolve("queue").resolve(BatchKeys.FILE)
                    + " (No space left on device): batch keys stay as they are until it can be written"),
                    log.messages(Level.WARN).toString());
            Files.delete(filler);
            assertTrue(loop.sendAll(f.queue.peek(1)));
            assertTrue(loop.sendAll(f.queue.peek(1)));
            assertEquals(keys(s[0], s[0] + 1, s[0] + 5001), f.keys());
        }
    }
}
