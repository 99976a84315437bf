package dev.outpost.agent.queue;

import static dev.outpost.agent.queue.QueueFiles.HEADER;
import static dev.outpost.agent.queue.QueueFiles.assertPayloads;
import static dev.outpost.agent.queue.QueueFiles.payload;
import static dev.outpost.agent.queue.QueueFiles.seqs;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.outpost.agent.MutableClock;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Damage done to the files by crashes and bad disks: cut, counted, and never a crash of the queue itself. */
class DiskQueueCorruptionTest {
    static final long MIB = 1 << 20;

    @TempDir
    Path tmp;
    final MutableClock clock = new MutableClock(Instant.parse("2026-11-22T05:20:00Z"));
    final List<byte[]> payloads = new ArrayList<>();
    long first;

    /** Writes records of the given payload sizes and closes the queue; returns each record's start offset. */
    long[] write(Path dir, int segmentBytes, int... sizes) throws Exception {
        long[] starts = new long[sizes.length];
        try (DiskQueue q = DiskQueue.open(dir, MIB, 0, clock, segmentBytes)) {
            first = q.stats().nextSeq();
            long pos = 0;
            for (int i = 0; i < sizes.length; i++) {
                payloads.add(payload(i, sizes[i]));
                q.append(payloads.get(i));
                starts[i] = pos;
                pos += HEADER + sizes[i];
            }
        }
        return starts;
    }

    @Test
    void aTornTailIsCutAtEveryByteOfTheLastRecord() throws Exception {
        Path original = tmp.resolve("original");
        long start = write(original, 1 << 20, 50, 60, 200)[2];
        Path seg = QueueFiles.segments(original).get(0);
        long end = Files.size(seg);
        assertEquals(start + HEADER + 200, end);
        for (long cut = start; cut < end; cut++) {
            Path dir = QueueFiles.snapshot(original, tmp.resolve("cut-" + cut));
            Path file = dir.resolve(seg.getFileName());
            QueueFiles.truncate(file, cut);
            try (DiskQueue q = DiskQueue.open(dir, MIB, 0, clock)) {
                QueueStats s = q.stats();
                assertEquals(cut - start, s.tornTailBytesCut(), "bytes cut at " + cut);
                assertEquals(0, s.corruptSkipped(), "a torn tail is not corruption, at " + cut);
                assertEquals(2, s.records(), "at " + cut);
                assertEquals(start, Files.size(file), "the file ends after the last whole record, at " + cut);
                assertPayloads(payloads.subList(0, 2), q.peek(10));
                long next = q.append(payload(9, 30));
                assertEquals(cut == start ? first + 2 : first + 3, next,
                        "the number of a record cut off is not used again, at " + cut);
                assertArrayEquals(new long[] {first, first + 1, next}, seqs(q.peek(10)));
            }
            try (DiskQueue q = DiskQueue.open(dir, MIB, 0, clock)) {
                assertEquals(0, q.stats().tornTailBytesCut(), "clean after the cut, at " + cut);
                assertEquals(3, q.stats().records(), "at " + cut);
            }
        }
    }

    @Test
    void aBadChecksumOnTheLastRecordIsATornTail() throws Exception {
        Path dir = tmp.resolve("q");
        long start = write(dir, 1 << 20, 40, 40, 40)[2];
        Path seg = QueueFiles.segments(dir).get(0);
        QueueFiles.flipByte(seg, start + HEADER + 39);
        try (DiskQueue q = DiskQueue.open(dir, MIB, 0, clock)) {
            assertEquals(HEADER + 40, q.stats().tornTailBytesCut());
            assertEquals(0, q.stats().corruptSkipped());
            assertArrayEquals(new long[] {first, first + 1}, seqs(q.peek(10)));
        }
    }

    @Test
    void aFlippedByteInAMiddleRecordSkipsOnlyThatRecord() throws Exception {
        Path original = tmp.resolve("original");
        long[] starts = write(original, 1 << 20, 30, 45, 60, 25, 80);
        Path seg = QueueFiles.segments(original).get(0);
        long size = Files.size(seg);
        for (long at = starts[2]; at < starts[3]; at++) {
            if (at >= starts[2] + 4 && at < starts[2] + 8) {
                continue; // the length field: see aGarbageLengthCutsTheRestOfItsSegment
            }
            Path dir = QueueFiles.snapshot(original, tmp.resolve("flip-" + at));
            QueueFiles.flipByte(dir.resolve(seg.getFileName()), at);
            try (DiskQueue q = DiskQueue.open(dir, MIB, 0, clock)) {
                QueueStats s = q.stats();
                assertEquals(1, s.corruptSkipped(), "at " + at);
                assertEquals(0, s.tornTailBytesCut(), "at " + at);
                assertEquals(4, s.records(), "at " + at);
                List<DiskQueue.Record> left = q.peek(10);
                assertArrayEquals(new long[] {first, first + 1, first + 3, first + 4}, seqs(left), "at " + at);
                assertPayloads(List.of(payloads.get(0), payloads.get(1), payloads.get(3), payloads.get(4)), left);
                assertEquals(size, Files.size(dir.resolve(seg.getFileName())), "nothing cut, at " + at);
                assertEquals(first + 5, q.append(payload(5, 10)));
            }
        }
    }

    @Test
    void aGarbageLengthCutsTheRestOfItsSegment() throws Exception {
        int[] garbage = {0x7FFFFFF0, 221, 0};
        for (int g : garbage) {
            payloads.clear();
            Path dir = tmp.resolve("len-" + g);
            long[] starts = write(dir, 5 * (HEADER + 200), 200, 200, 200, 200, 200, 200, 200);
            List<Path> segs = QueueFiles.segments(dir);
            assertEquals(2, segs.size(), "five records in the first segment, two in the second");
            QueueFiles.putInt(segs.get(0), starts[2] + 4, g);
            try (DiskQueue q = DiskQueue.open(dir, MIB, 0, clock)) {
                QueueStats s = q.stats();
                assertEquals(1, s.corruptSkipped(), "length " + g);
                assertEquals(3 * (HEADER + 200), s.tornTailBytesCut(), "length " + g);
                assertEquals(starts[2], Files.size(segs.get(0)), "length " + g);
                List<DiskQueue.Record> left = q.peek(10);
                assertArrayEquals(new long[] {first, first + 1, first + 5, first + 6}, seqs(left), "length " + g);
                assertPayloads(List.of(payloads.get(0), payloads.get(1), payloads.get(5), payloads.get(6)), left);
                assertEquals(first + 7, q.append(payload(7, 10)), "length " + g);
            }
        }
    }

    @Test
    void aRecordDamagedWhileQueuedIsSkippedWhenItsTurnComes() throws Exception {
        Path dir = tmp.resolve("q");
        try (DiskQueue q = DiskQueue.open(dir, MIB, 0, clock)) {
            long a = q.append(payload(1, 40));
            long b = q.append(payload(2, 40));
            long c = q.append(payload(3, 40));
            QueueFiles.flipByte(QueueFiles.segments(dir).get(0), 2L * (HEADER + 40) - 1);
            assertArrayEquals(new long[] {a}, seqs(q.peek(10)), "stops before the damaged record");
            q.ack(a);
            assertArrayEquals(new long[] {c}, seqs(q.peek(10)));
            assertEquals(1, q.stats().corruptSkipped());
            assertEquals(1, q.stats().records());
            assertEquals(HEADER + 40, q.stats().bytes());
            assertEquals(b + 2, q.append(payload(4, 40)));
        }
        try (DiskQueue q = DiskQueue.open(dir, MIB, 0, clock)) {
            assertEquals(2, q.stats().records(), "the damaged record stays gone");
        }
    }

    @Test
    void anUnreadableAckFileMeansSendingAgainNotLosing() throws Exception {
        Path dir = tmp.resolve("q");
        write(dir, 1 << 20, 10, 10, 10);
        try (DiskQueue q = DiskQueue.open(dir, MIB, 0, clock)) {
            q.ack(first + 1);
        }
        Files.write(dir.resolve("ack"), new byte[] {(byte) 0xFF, 'x', '\n'});
        try (DiskQueue q = DiskQueue.open(dir, MIB, 0, clock)) {
            assertArrayEquals(new long[] {first, first + 1, first + 2}, seqs(q.peek(10)));
            assertEquals(first + 3, q.append(payload(3, 10)));
        }
    }
}
