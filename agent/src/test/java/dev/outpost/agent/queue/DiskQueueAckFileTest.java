package dev.outpost.agent.queue;

import static dev.outpost.agent.queue.QueueFiles.payload;
import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.outpost.agent.MutableClock;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The ack file is replaced atomically and written at most every 200 ms by acknowledgements, so a crash resends
 * at most the batches acknowledged in the last 200 ms (the gateway dedupes them). Crashes are taken as copies
 * of the directory while the queue is still open.
 */
class DiskQueueAckFileTest {
    static final Instant T0 = Instant.parse("2026-11-22T05:20:00Z");

    @TempDir
    Path tmp;
    final MutableClock clock = new MutableClock(T0);
    Path dir;
    DiskQueue q;
    long s;
    int crashes;

    @BeforeEach
    void fill() throws Exception {
        dir = tmp.resolve("q");
        q = DiskQueue.open(dir, 1 << 20, 0, clock);
        s = q.stats().nextSeq();
        for (int i = 0; i < 10; i++) {
            q.append(payload(i, 100));
        }
    }

    @AfterEach
    void close() throws Exception {
        q.close();
    }

    /** The first record a new process would send if this one were killed now. */
    long firstAfterCrash() throws Exception {
        Path copy = QueueFiles.snapshot(dir, tmp.resolve("crash-" + ++crashes));
        try (DiskQueue reopened = DiskQueue.open(copy, 1 << 20, 0, clock)) {
            return reopened.peek(1).get(0).seq();
        }
    }

    String ackFile() throws Exception {
        return Files.readString(dir.resolve("ack"));
    }

    /** The file's text for these numbers: zero-padded to 19 digits, so that every write has the same length. */
    static String ack(long acked, long droppedThrough) {
        return String.format("ack=%019d\ndropped_through=%019d\n", acked, droppedThrough);
    }

    @Test
    void acknowledgementsAreWrittenAtMostEvery200Milliseconds() throws Exception {
        q.ack(s);
        assertEquals(ack(s, 0), ackFile(), "the first acknowledgement is written");
        assertEquals(s + 1, firstAfterCrash());

        clock.advance(Duration.ofMillis(50));
        q.ack(s + 1);
        clock.advance(Duration.ofMillis(149));
        q.ack(s + 2);
        assertEquals(ack(s, 0), ackFile());
        assertEquals(s + 1, firstAfterCrash(), "acknowledged within the last 200 ms: sent again after a crash");

        clock.advance(Duration.ofMillis(1));
        q.ack(s + 3);
        assertEquals(ack(s + 3, 0), ackFile(), "200 ms after the last write");
        assertEquals(s + 4, firstAfterCrash());

        clock.advance(Duration.ofMillis(10));
        q.ack(s + 4);
        assertEquals(s + 4, firstAfterCrash());
        clock.advance(Duration.ofMillis(190));
        q.append(payload(10, 100));
        assertEquals(s + 5, firstAfterCrash(), "an append writes an acknowledgement that is due");

        clock.advance(Duration.ofMillis(10));
        q.ack(s + 5);
        q.close();
        assertEquals(s + 6, firstAfterCrash(), "close writes what is pending");
    }

    @Test
    void theAckFileIsOverwrittenWholeWithNoTemporaryFileLeftBehind() throws Exception {
        for (int i = 0; i < 10; i++) {
            clock.advance(Duration.ofMillis(200));
            q.ack(s + i);
            assertEquals(List.of("ack", String.format("seg-%020d.q", s)), QueueFiles.names(dir));
            assertEquals(ack(s + i, 0), ackFile());
        }
        assertEquals("rw-------", PosixFilePermissions.toString(Files.getPosixFilePermissions(dir.resolve("ack"))));
        q.close();
    }

    @Test
    void dropsAreWrittenAtOnceSoDroppedRecordsNeverComeBack() throws Exception {
        q.close();
        q = DiskQueue.open(dir, 10 * 128 + 64, 0, clock); // room for ten 100-byte records and a bit
        q.append(payload(11, 100));
        q.append(payload(12, 100));
        assertEquals(2, q.stats().droppedFull());
        assertEquals(ack(0, s + 1), ackFile());
        assertEquals(s + 2, firstAfterCrash());
        q.close();
    }

    @Test
    void anAckFileOfAnEarlierVersionIsReadAndRewrittenWhole() throws Exception {
        q.close();
        Files.writeString(dir.resolve("ack"), "ack=" + (s + 2) + "\ndropped_through=0\n"); // unpadded, as before
        q = DiskQueue.open(dir, 1 << 20, 0, clock);
        assertEquals(s + 3, q.peek(1).get(0).seq());
        clock.advance(Duration.ofMillis(200));
        q.ack(s + 3);
        assertEquals(ack(s + 3, 0), ackFile());
        clock.advance(Duration.ofMillis(200));
        q.ack(s + 4);
        assertEquals(ack(s + 4, 0), ackFile(), "overwritten in place, nothing of the last write left");
        assertEquals(s + 5, firstAfterCrash());
    }

    @Test
    void theFileIsOverwrittenInPlaceAfterTheFirstWrite() throws Exception {
        q.ack(s);
        Object inode = Files.getAttribute(dir.resolve("ack"), "unix:ino");
        for (int i = 1; i < 5; i++) {
            clock.advance(Duration.ofMillis(200));
            q.ack(s + i);
            assertEquals(ack(s + i, 0), ackFile());
        }
        assertEquals(inode, Files.getAttribute(dir.resolve("ack"), "unix:ino"), "the same file, not a replacement");
        assertEquals(AckFile.LENGTH, Files.size(dir.resolve("ack")));
    }
}
