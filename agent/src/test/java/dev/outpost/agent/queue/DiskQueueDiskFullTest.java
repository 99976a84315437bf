package dev.outpost.agent.queue;

import static dev.outpost.agent.queue.QueueFiles.HEADER;
import static dev.outpost.agent.queue.QueueFiles.assertPayloads;
import static dev.outpost.agent.queue.QueueFiles.payload;
import static dev.outpost.agent.queue.QueueFiles.seqs;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ch.qos.logback.classic.Level;
import dev.outpost.agent.LogCapture;
import dev.outpost.agent.MutableClock;
import dev.outpost.agent.Tmpfs;
import java.nio.file.FileStore;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.LongStream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The queue on a real, small file system (a 256 KiB tmpfs) that fills up, goes below the free-space minimum or turns
 * read-only: batches the disk cannot take are held in memory behind what is queued, handed out in order, written
 * once the disk takes them, and what is lost is counted exactly; the trouble is said once, without a stack trace.
 */
class DiskQueueDiskFullTest {
    static final int PAYLOAD = 3000;
    static final int RECORD = HEADER + PAYLOAD;

    @TempDir
    Path tmp;
    final MutableClock clock = new MutableClock(Instant.parse("2026-11-22T05:20:00Z"));
    Tmpfs fs;
    Path dir;
    DiskQueue q;
    LogCapture log;

    @BeforeEach
    void mount() throws Exception {
        fs = Tmpfs.mount(tmp.resolve("mnt"), "256k");
        dir = fs.path().resolve("queue");
        log = new LogCapture("outpost.agent.queue", AckFile.class.getName(), Segments.class.getName());
    }

    @AfterEach
    void unmount() throws Exception {
        log.close();
        try {
            if (q != null) {
                q.close();
            }
        } finally {
            fs.close();
        }
    }

    /** Appends until the disk no longer takes a record (at most 200); returns the payloads it took. */
    List<byte[]> fillUntilHeld() {
        List<byte[]> stored = new ArrayList<>();
        for (int i = 0; i < 200 && q.stats().heldRecords() == 0; i++) {
            byte[] p = payload(i, PAYLOAD);
            q.append(p);
            stored.add(p);
        }
        assertEquals(1, q.stats().heldRecords(), "a 256 KiB file system never filled up");
        return stored;
    }

    @Test
    void aFullDiskHoldsNewBatchesInMemoryBehindTheQueueAndWritesThemOnceThereIsRoom() throws Exception {
        // 48 KiB segments take 12 pages each: the sixth segment fills up in the middle of a record.
        q = DiskQueue.open(dir, 1 << 20, 0, clock, 48 * 1024, 64 * 1024);
        long first = q.stats().nextSeq();
        List<byte[]> all = fillUntilHeld();
        int onDiskCount = all.size() - 1;
        assertTrue(onDiskCount > 40, onDiskCount + " records stored before the disk was full");
        for (int i = 0; i < 4; i++) {
            byte[] p = payload(1000 + i, PAYLOAD);
            assertEquals(first + all.size(), q.append(p), "numbered on, in order");
            all.add(p);
        }
        QueueStats s = q.stats();
        assertEquals(5, s.heldRecords());
        assertEquals(all.size(), s.records());
        assertEquals((long) onDiskCount * RECORD, s.bytes());
        assertEquals(0, s.droppedDiskFull(), "nothing is lost while the memory hold has room");
        long onDisk = 0;
        for (Path seg : QueueFiles.segments(dir)) {
            onDisk += Files.size(seg);
        }
        assertEquals((long) onDiskCount * RECORD, onDisk, "the partly written record was cut back");
        List<DiskQueue.Record> out = q.peek(1000);
        assertArrayEquals(LongStream.range(first, first + all.size()).toArray(), seqs(out), "disk first, then memory");
        assertPayloads(all, out);
        assertEquals(List.of("the disk queue in " + dir + " cannot take batches: its file system is full (No space "
                + "left on device); free space there (`df -h " + dir + "`). Until it can, batches are held in memory (up "
                + "to 64 KiB) and sent from there; they are lost if the gateway stays unreachable until that is full, or "
                + "if the agent stops"), log.messages(Level.WARN), "said once, not per batch");
        assertFalse(log.anyStackTrace());

        q.ack(first + 19); // frees the first segment (16 records) whole
        byte[] next = payload(2000, PAYLOAD);
        assertEquals(first + all.size(), q.append(next));
        all.add(next);
        assertEquals(0, q.stats().heldRecords(), "the held batches went to disk, in order, before the new one");
        assertEquals(List.of("the disk queue in " + dir + " takes batches again: 5 batches held in memory were written "
                + "to it, 0 lost since start"), log.messages(Level.INFO));
        q.close();

        q = DiskQueue.open(dir, 1 << 20, 0, clock, 48 * 1024, 64 * 1024);
        s = q.stats();
        assertEquals(0, s.corruptSkipped());
        assertEquals(0, s.tornTailBytesCut());
        List<DiskQueue.Record> after = q.peek(1000);
        assertArrayEquals(LongStream.range(first + 20, first + all.size()).toArray(), seqs(after));
        assertPayloads(all.subList(20, all.size()), after);
    }

    @Test
    void aFullMemoryHoldDropsTheOldestNotYetSentAndCountsExactlyWhatIsLost() throws Exception {
        q = DiskQueue.open(dir, 1 << 20, 0, clock, 48 * 1024, 4 * PAYLOAD);
        fillUntilHeld();
        long h1 = q.stats().nextSeq() - 1;
        List<DiskQueue.Record> window = q.peek(1000); // hands out h1: it may reach the gateway, so it stays
        assertEquals(h1, window.get(window.size() - 1).seq());
        for (int i = 2; i <= 7; i++) {
            q.append(payload(100 + i, PAYLOAD));
        }
        QueueStats s = q.stats();
        assertEquals(4, s.heldRecords());
        assertEquals(3, s.droppedDiskFull(), "h2, h3 and h4 went to make room for h5, h6 and h7");
        List<DiskQueue.Record> next = q.peek(1000);
        assertArrayEquals(new long[] {h1, h1 + 4, h1 + 5, h1 + 6}, LongStream.of(seqs(next))
                .skip(next.size() - 4).toArray());
        // All four held are handed out now: a new batch cannot be held, and is the one lost.
        q.append(payload(200, PAYLOAD));
        assertEquals(4, q.stats().droppedDiskFull());
        assertEquals(4, q.stats().heldRecords());
        assertEquals(List.of("1 batches lost (1 since start): the disk queue cannot take them and the memory hold is "
                + "full (the gateway is unreachable)"), log.messages(Level.WARN).subList(1, 2));
        assertEquals(2, log.messages(Level.WARN).size(), "losses are logged at most once a minute");
        clock.advance(Duration.ofSeconds(61));
        q.append(payload(201, PAYLOAD));
        assertEquals("4 batches lost (5 since start): the disk queue cannot take them and the memory hold is full (the "
                + "gateway is unreachable)", log.messages(Level.WARN).get(2));

        q.ack(h1 + 4); // the gateway took what was sent, and it is gone from memory
        assertEquals(2, q.stats().heldRecords());
        assertEquals(5, q.stats().droppedDiskFull(), "a loss once counted is never uncounted");
    }

    @Test
    void theFreeDiskMinimumDropsWholeOldestSegments() throws Exception {
        long minFree = 128 * 1024;
        q = DiskQueue.open(dir, 1 << 20, minFree, clock, 16 * 1024);
        FileStore store = Files.getFileStore(dir);
        long first = q.stats().nextSeq();
        for (int i = 0; i < 60; i++) {
            assertEquals(first + i, q.append(payload(i, PAYLOAD)));
            assertTrue(store.getUsableSpace() >= minFree, "after append " + i + ": " + store.getUsableSpace()
                    + " bytes usable");
        }
        QueueStats s = q.stats();
        assertTrue(s.droppedFull() >= 5, s.droppedFull() + " dropped");
        assertEquals(0, s.droppedFull() % 5, "whole segments of five records went");
        assertEquals(60, s.records() + s.droppedFull());
        assertEquals(0, s.droppedDiskFull());
        assertEquals(0, s.heldRecords());
        assertArrayEquals(LongStream.range(first + s.droppedFull(), first + 60).toArray(), seqs(q.peek(100)));
        assertEquals(s.records() / 5 + (s.records() % 5 > 0 ? 1 : 0), QueueFiles.segments(dir).size());
    }

    @Test
    void belowAFreeDiskMinimumThatCannotBeKeptBatchesAreHeldAndTheLogSaysWhatToFree() throws Exception {
        q = DiskQueue.open(dir, 1 << 20, 64 * 1024, clock, 16 * 1024);
        long first = q.stats().nextSeq();
        for (int i = 0; i < 20; i++) {
            q.append(payload(i, PAYLOAD)); // four segments of five records
        }
        q.close();
        q = DiskQueue.open(dir, 1 << 20, 250 * 1024, clock, 16 * 1024);
        long usable = Files.getFileStore(dir).getUsableSpace();
        for (int i = 20; i < 23; i++) {
            assertEquals(first + i, q.append(payload(i, PAYLOAD)));
        }
        QueueStats s = q.stats();
        assertEquals(3, s.heldRecords());
        assertEquals(0, s.droppedDiskFull());
        assertEquals(0, s.droppedFull(), "deleting every old segment would not free enough: none was deleted");
        assertArrayEquals(LongStream.range(first, first + 23).toArray(), seqs(q.peek(100)));
        assertEquals(4, QueueFiles.segments(dir).size());
        String problem = String.format(java.util.Locale.ROOT, "its file system has %.1f MiB free, less than the 0.2 "
                + "MiB that queue.min_free_bytes keeps free; free at least %.1f MiB there (`df -h %s`), or lower "
                + "queue.min_free_bytes", usable / 1048576.0, Math.max(0.1, (256000 - usable) / 1048576.0), dir);
        assertEquals(List.of("the disk queue in " + dir + " cannot take batches: " + problem + ". Until it can, "
                + "batches are held in memory (up to 1 MiB) and sent from there; they are lost if the gateway stays "
                + "unreachable until that is full, or if the agent stops"), log.messages(Level.WARN));
        assertEquals(problem, q.diskProblem());

        q.limits(1 << 20, 16 * 1024); // a reload with a lower minimum
        q.append(payload(23, PAYLOAD));
        assertNull(q.diskProblem());
        assertEquals(0, q.stats().heldRecords());
        q.close();
        q = DiskQueue.open(dir, 1 << 20, 16 * 1024, clock, 16 * 1024);
        assertArrayEquals(LongStream.range(first, first + 24).toArray(), seqs(q.peek(100)));
    }

    @Test
    void aQueueOpenedOnAReadOnlyDiskRunsFromMemoryAndWritesOnceItCan() throws Exception {
        fs.readOnly(true);
        q = DiskQueue.open(dir, 1 << 20, 0, clock, 16 * 1024);
        long first = q.stats().nextSeq();
        assertEquals(clock.millis(), first, "a new queue, numbered from the clock");
        List<byte[]> sent = new ArrayList<>();
        for (int i = 0; i < 3; i++) {
            sent.add(payload(i, 100));
            q.append(sent.get(i));
        }
        assertEquals(3, q.stats().heldRecords());
        assertFalse(Files.exists(dir));
        assertEquals(1, log.messages(Level.WARN).stream().filter(m -> m.contains("cannot take batches: its file "
                + "system is read-only (Read-only file system), as after disk errors; check `dmesg` and `mount`"))
                .count());
        q.ack(first); // the gateway took the first one: acknowledged in memory, the ack file cannot be written
        assertTrue(log.messages(Level.WARN).stream().anyMatch(m -> m.startsWith("cannot write " + dir.resolve("ack")
                + " (")), log.events().toString());

        fs.readOnly(false);
        sent.add(payload(3, 100));
        q.append(sent.get(3));
        assertEquals(0, q.stats().heldRecords());
        q.close();
        q = DiskQueue.open(dir, 1 << 20, 0, clock, 16 * 1024);
        assertArrayEquals(new long[] {first + 1, first + 2, first + 3}, seqs(q.peek(10)));
        assertPayloads(sent.subList(1, 4), q.peek(10));
        assertFalse(log.anyStackTrace());
    }
}
