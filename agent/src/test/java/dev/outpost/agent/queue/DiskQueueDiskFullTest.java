package dev.outpost.agent.queue;

import static dev.outpost.agent.queue.QueueFiles.HEADER;
import static dev.outpost.agent.queue.QueueFiles.assertPayloads;
import static dev.outpost.agent.queue.QueueFiles.payload;
import static dev.outpost.agent.queue.QueueFiles.seqs;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import dev.outpost.agent.MutableClock;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileStore;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.LongStream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The queue on a real, small file system (a 256 KiB tmpfs) that fills up. Mounting needs root, which CI has;
 * where the mount fails the test fails, so a full disk is never silently left untested.
 */
class DiskQueueDiskFullTest {
    static final int PAYLOAD = 3000;
    static final int RECORD = HEADER + PAYLOAD;

    @TempDir
    Path tmp;
    final MutableClock clock = new MutableClock(Instant.parse("2026-11-22T05:20:00Z"));
    Path mnt;
    Path dir;
    DiskQueue q;

    @BeforeEach
    void mount() throws Exception {
        mnt = Files.createDirectory(tmp.resolve("mnt"));
        String out = run("mount", "-t", "tmpfs", "-o", "size=256k,mode=0700", "tmpfs", mnt.toString());
        if (out != null) {
            mnt = null;
            fail("cannot mount a 256 KiB tmpfs for the disk-full test (it needs root, as in CI): " + out);
        }
        dir = mnt.resolve("queue");
    }

    @AfterEach
    void unmount() throws Exception {
        try {
            if (q != null) {
                q.close();
            }
        } finally {
            if (mnt != null && run("umount", mnt.toString()) != null) {
                String lazy = run("umount", "-l", mnt.toString());
                assertEquals(null, lazy, "could not unmount " + mnt);
            }
        }
    }

    /** Runs a command for at most 10 s; null if it succeeded, else what it said and its exit code. */
    static String run(String... command) throws IOException, InterruptedException {
        Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
        if (!p.waitFor(10, TimeUnit.SECONDS)) {
            p.destroyForcibly().waitFor(5, TimeUnit.SECONDS);
            return String.join(" ", command) + " did not finish within 10 s";
        }
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).trim();
        return p.exitValue() == 0 ? null : String.join(" ", command) + " exited " + p.exitValue() + ": " + out;
    }

    @Test
    void aFullDiskRefusesTheNewRecordCountsItAndCorruptsNothing() throws Exception {
        // 48 KiB segments take 12 pages each: the sixth segment fills up in the middle of a record.
        q = DiskQueue.open(dir, 1 << 20, 0, clock, 48 * 1024);
        long first = q.stats().nextSeq();
        List<byte[]> stored = new ArrayList<>();
        IOException full = null;
        for (int i = 0; i < 200 && full == null; i++) {
            byte[] p = payload(i, PAYLOAD);
            try {
                assertEquals(first + stored.size(), q.append(p));
                stored.add(p);
            } catch (IOException e) {
                full = e;
            }
        }
        assertNotNull(full, "a 256 KiB file system never filled up");
        assertTrue(stored.size() > 40, stored.size() + " records stored before the disk was full");
        assertEquals("disk queue " + dir + ": a record of " + RECORD + " bytes was not stored (No space left on"
                + " device); it was dropped, and what is queued is intact", full.getMessage());
        assertThrows(IOException.class, () -> q.append(payload(999, PAYLOAD)));
        QueueStats s = q.stats();
        assertEquals(2, s.droppedDiskFull());
        assertEquals(0, s.droppedFull());
        assertEquals(stored.size(), s.records());
        assertEquals((long) stored.size() * RECORD, s.bytes());
        long onDisk = 0;
        for (Path seg : QueueFiles.segments(dir)) {
            onDisk += Files.size(seg);
        }
        assertEquals((long) stored.size() * RECORD, onDisk, "the partly written records were cut back");
        q.close();

        q = DiskQueue.open(dir, 1 << 20, 0, clock, 48 * 1024);
        s = q.stats();
        assertEquals(0, s.corruptSkipped());
        assertEquals(0, s.tornTailBytesCut());
        List<DiskQueue.Record> all = q.peek(1000);
        assertArrayEquals(LongStream.range(first, first + stored.size()).toArray(), seqs(all));
        assertPayloads(stored, all);

        q.ack(first + 19); // frees the first segment (16 records) whole
        long next = q.append(payload(1000, PAYLOAD));
        assertEquals(first + stored.size(), next, "appends work again, numbered on from the last stored");
        assertEquals(stored.size() - 20 + 1, q.stats().records());
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
        assertArrayEquals(LongStream.range(first + s.droppedFull(), first + 60).toArray(), seqs(q.peek(100)));
        assertEquals(s.records() / 5 + (s.records() % 5 > 0 ? 1 : 0), QueueFiles.segments(dir).size());
    }

    @Test
    void aFreeDiskMinimumThatCannotBeKeptRefusesTheRecordAndDropsNothing() throws Exception {
        q = DiskQueue.open(dir, 1 << 20, 64 * 1024, clock, 16 * 1024);
        long first = q.stats().nextSeq();
        for (int i = 0; i < 20; i++) {
            q.append(payload(i, PAYLOAD)); // four segments of five records
        }
        q.close();
        q = DiskQueue.open(dir, 1 << 20, 250 * 1024, clock, 16 * 1024);
        IOException e = assertThrows(IOException.class, () -> q.append(payload(20, PAYLOAD)));
        long usable = Files.getFileStore(dir).getUsableSpace() - 4096; // one more page for the record
        assertEquals("disk queue " + dir + ": a record of " + RECORD + " bytes was not stored (the file system"
                + " would have " + usable + " bytes usable after it, below the 256000 bytes that must stay free);"
                + " it was dropped, and what is queued is intact", e.getMessage());
        QueueStats s = q.stats();
        assertEquals(1, s.droppedDiskFull());
        assertEquals(0, s.droppedFull(), "deleting every old segment would not free enough: none was deleted");
        assertArrayEquals(LongStream.range(first, first + 20).toArray(), seqs(q.peek(100)));
        assertEquals(4, QueueFiles.segments(dir).size());
    }
}
