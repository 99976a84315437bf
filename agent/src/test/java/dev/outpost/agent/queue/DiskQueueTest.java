package dev.outpost.agent.queue;

import static dev.outpost.agent.queue.QueueFiles.assertPayloads;
import static dev.outpost.agent.queue.QueueFiles.payload;
import static dev.outpost.agent.queue.QueueFiles.seqs;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.outpost.agent.MutableClock;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.LongStream;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class DiskQueueTest {
    static final Instant T0 = Instant.parse("2026-11-22T05:20:00.123Z");
    static final long MIB = 1 << 20;

    @TempDir
    Path tmp;
    final MutableClock clock = new MutableClock(T0);

    @Test
    void aNewQueueStartsAtTheClocksEpochMillis() throws Exception {
        try (DiskQueue q = DiskQueue.open(tmp.resolve("q"), MIB, 0, clock)) {
            assertEquals(T0.toEpochMilli(), q.stats().nextSeq());
            assertEquals(T0.toEpochMilli(), q.append(payload(1, 10)));
            assertEquals(T0.toEpochMilli() + 1, q.append(payload(2, 10)));
        }
        assertEquals(List.of(String.format("seg-%020d.q", T0.toEpochMilli())), QueueFiles.names(tmp.resolve("q")));
    }

    @Test
    void deliversOldestFirstAndKeepsWhatIsNotAcknowledgedAcrossReopen() throws Exception {
        Path dir = tmp.resolve("q");
        List<byte[]> payloads = new ArrayList<>();
        long first;
        try (DiskQueue q = DiskQueue.open(dir, MIB, 0, clock, 4096)) {
            first = q.stats().nextSeq();
            for (int i = 0; i < 20; i++) {
                payloads.add(payload(i, 100 + i * 13));
                clock.advance(Duration.ofSeconds(10));
                assertEquals(first + i, q.append(payloads.get(i)));
            }
            List<DiskQueue.Record> five = q.peek(5);
            assertArrayEquals(LongStream.range(first, first + 5).toArray(), seqs(five));
            assertPayloads(payloads.subList(0, 5), five);
            assertEquals(T0.plusSeconds(10), five.get(0).created());
            assertEquals(5, q.peek(5).size(), "peek does not remove");
            q.ack(first + 4);
            assertEquals(first + 5, q.peek(1).get(0).seq());
            assertEquals(T0.plusSeconds(60), q.stats().oldestCreated());
        }
        try (DiskQueue q = DiskQueue.open(dir, MIB, 0, clock, 4096)) {
            QueueStats s = q.stats();
            assertEquals(15, s.records());
            assertEquals(payloads.subList(5, 20).stream().mapToLong(p -> 28 + p.length).sum(), s.bytes());
            assertEquals(first + 20, s.nextSeq());
            List<DiskQueue.Record> rest = q.peek(100);
            assertArrayEquals(LongStream.range(first + 5, first + 20).toArray(), seqs(rest));
            assertPayloads(payloads.subList(5, 20), rest);
            assertEquals(T0.plusSeconds(60), rest.get(0).created());
            assertEquals(first + 20, q.append(payload(20, 50)));
        }
    }

    @Test
    void sequenceNumbersKeepGrowingAfterEverythingWasAcknowledgedAndDeleted() throws Exception {
        Path dir = tmp.resolve("q");
        long last;
        try (DiskQueue q = DiskQueue.open(dir, MIB, 0, clock, 1024)) {
            for (int i = 0; i < 30; i++) {
                q.append(payload(i, 100));
            }
            last = q.stats().nextSeq() - 1;
            assertEquals(4, QueueFiles.segments(dir).size(), "8 records of 128 bytes per 1024-byte segment");
            q.ack(last);
            QueueStats s = q.stats();
            assertEquals(0, s.records());
            assertEquals(0, s.bytes());
            assertNull(s.oldestCreated());
            assertEquals(Duration.ZERO, s.oldestAge(T0));
            assertEquals(List.of(), q.peek(10));
            assertEquals(1, QueueFiles.segments(dir).size(), "only the newest segment stays");
        }
        for (int round = 1; round <= 3; round++) {
            try (DiskQueue q = DiskQueue.open(dir, MIB, 0, clock, 1024)) {
                assertEquals(List.of(), q.peek(10), "acknowledged records never come back");
                assertEquals(last + 1, q.append(payload(round, 100)));
                last++;
                q.ack(last);
            }
        }
    }

    @Test
    void segmentsRollAtTheirSizeAndWholeAcknowledgedSegmentsAreDeleted() throws Exception {
        Path dir = tmp.resolve("q");
        try (DiskQueue q = DiskQueue.open(dir, MIB, 0, clock, 1024)) {
            long first = q.stats().nextSeq();
            for (int i = 0; i < 20; i++) {
                q.append(payload(i, 100)); // 128-byte records: 8 fill a segment
            }
            List<Path> segs = QueueFiles.segments(dir);
            assertEquals(List.of(String.format("seg-%020d.q", first), String.format("seg-%020d.q", first + 8),
                    String.format("seg-%020d.q", first + 16)), segs.stream().map(p -> p.getFileName().toString())
                    .toList());
            assertEquals(List.of(1024L, 1024L, 512L), List.of(Files.size(segs.get(0)), Files.size(segs.get(1)),
                    Files.size(segs.get(2))));
            q.ack(first + 6);
            assertEquals(3, QueueFiles.segments(dir).size(), "a segment with one record waiting stays");
            q.ack(first + 7);
            assertEquals(segs.subList(1, 3), QueueFiles.segments(dir));
            q.ack(first + 19);
            assertEquals(segs.subList(2, 3), QueueFiles.segments(dir));
        }
    }

    @Test
    void onlyTheOldestAndTheNewestSegmentKeepTheirFileOpen() throws Exception {
        Path dir = tmp.resolve("q");
        try (DiskQueue q = DiskQueue.open(dir, MIB, 0, clock, 1024)) {
            for (int i = 0; i < 100; i++) {
                q.append(payload(i, 100));
            }
            assertEquals(13, QueueFiles.segments(dir).size());
            assertEquals(1, openFiles(dir), "appending keeps the newest open");
            assertEquals(100, q.peek(100).size());
            assertEquals(2, openFiles(dir), "reading keeps the oldest open too");
        }
        assertEquals(0, openFiles(dir));
        try (DiskQueue q = DiskQueue.open(dir, MIB, 0, clock, 1024)) {
            assertEquals(1, openFiles(dir), "after the scan");
            assertEquals(100, q.peek(100).size());
            assertEquals(2, openFiles(dir));
        }
    }

    /** Descriptors this process has open on files in {@code dir}. */
    static long openFiles(Path dir) throws IOException {
        long n = 0;
        try (Stream<Path> fds = Files.list(Path.of("/proc/self/fd"))) {
            for (Path fd : (Iterable<Path>) fds::iterator) {
                try {
                    n += Files.readSymbolicLink(fd).startsWith(dir) ? 1 : 0;
                } catch (IOException e) {
                    // the descriptor that listed the directory is gone by now
                }
            }
        }
        return n;
    }

    @Test
    void anInterruptedAppendIsHeldInMemoryAndWrittenByTheNext() throws Exception {
        Path dir = tmp.resolve("q");
        try (DiskQueue q = DiskQueue.open(dir, MIB, 0, clock)) {
            long a = q.append(payload(1, 100));
            Thread.currentThread().interrupt(); // Java NIO closes a file channel used by an interrupted thread
            assertEquals(a + 1, q.append(payload(2, 100)));
            assertTrue(Thread.interrupted(), "the interrupt is left for the caller to see");
            assertEquals(1, q.stats().heldRecords());
            assertEquals(2, q.stats().records());
            assertEquals(a + 2, q.append(payload(3, 100)));
            assertEquals(0, q.stats().heldRecords(), "the held record went to disk before the next");
            assertPayloads(List.of(payload(1, 100), payload(2, 100), payload(3, 100)), q.peek(10));
            assertEquals(0, q.stats().droppedDiskFull());
        }
        try (DiskQueue q = DiskQueue.open(dir, MIB, 0, clock)) {
            assertEquals(0, q.stats().tornTailBytesCut());
            assertEquals(3, q.stats().records());
        }
    }

    @Test
    void argumentsAreCheckedAndNamed() throws Exception {
        Path dir = tmp.resolve("q");
        assertEquals("maxBytes 100 must be at least 1024 bytes", assertThrows(IllegalArgumentException.class,
                () -> DiskQueue.open(dir, 100, 0, clock)).getMessage());
        assertEquals("minFreeBytes -1 must not be negative", assertThrows(IllegalArgumentException.class,
                () -> DiskQueue.open(dir, MIB, -1, clock)).getMessage());
        assertEquals("dir", assertThrows(NullPointerException.class,
                () -> DiskQueue.open(null, MIB, 0, clock)).getMessage());
        assertEquals("clock", assertThrows(NullPointerException.class,
                () -> DiskQueue.open(dir, MIB, 0, null)).getMessage());
        DiskQueue q = DiskQueue.open(dir, MIB, 0, clock);
        long seq = q.append(payload(1, 10));
        assertEquals("max 0 must be at least 1",
                assertThrows(IllegalArgumentException.class, () -> q.peek(0)).getMessage());
        assertEquals("ack " + (seq + 1) + " is beyond the last sequence number appended, " + seq,
                assertThrows(IllegalArgumentException.class, () -> q.ack(seq + 1)).getMessage());
        assertEquals("payload", assertThrows(NullPointerException.class, () -> q.append(null)).getMessage());
        q.close();
        q.close();
        assertEquals("disk queue " + dir + " is closed",
                assertThrows(IllegalStateException.class, () -> q.append(payload(2, 10))).getMessage());
    }
}
