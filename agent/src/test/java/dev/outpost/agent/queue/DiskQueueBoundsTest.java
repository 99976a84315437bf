package dev.outpost.agent.queue;

import static dev.outpost.agent.queue.QueueFiles.payload;
import static dev.outpost.agent.queue.QueueFiles.seqs;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.outpost.agent.MutableClock;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.LongStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The queue's byte bound: the oldest batches go first, counted exactly, and never one still on its way. */
class DiskQueueBoundsTest {
    @TempDir
    Path tmp;
    final MutableClock clock = new MutableClock(DiskQueueTest.T0);

    @Test
    void theByteBoundDropsTheOldestFirstAndCountsExactly() throws Exception {
        Path dir = tmp.resolve("q");
        long first;
        try (DiskQueue q = DiskQueue.open(dir, 10 * 128, 0, clock, 1024)) {
            first = q.stats().nextSeq();
            for (int i = 0; i < 25; i++) {
                q.append(payload(i, 100));
            }
            QueueStats s = q.stats();
            assertEquals(15, s.droppedFull());
            assertEquals(10, s.records());
            assertEquals(1280, s.bytes());
            assertEquals(0, s.droppedDiskFull());
            assertArrayEquals(LongStream.range(first + 15, first + 25).toArray(), seqs(q.peek(100)));
            assertEquals(3, QueueFiles.segments(dir).size(), "the wholly dropped first segment is deleted");
        }
        try (DiskQueue q = DiskQueue.open(dir, 10 * 128, 0, clock, 1024)) {
            assertArrayEquals(LongStream.range(first + 15, first + 25).toArray(), seqs(q.peek(100)),
                    "records dropped inside a segment stay dropped after reopen");
            assertEquals(0, q.stats().droppedFull(), "counters count since open");
        }
    }

    @Test
    void newLimitsApplyFromTheNextAppend() throws Exception {
        try (DiskQueue q = DiskQueue.open(tmp.resolve("q"), 20 * 128, 0, clock, 1024)) {
            long first = q.stats().nextSeq();
            for (int i = 0; i < 20; i++) {
                q.append(payload(i, 100));
            }
            q.limits(10 * 128, 0);
            assertEquals(20, q.stats().records(), "nothing is dropped until room is needed");
            q.append(payload(20, 100));
            assertEquals(11, q.stats().droppedFull());
            assertEquals(first + 11, q.peek(1).get(0).seq());
            assertEquals("maxBytes 5 must be at least 1024 bytes",
                    assertThrows(IllegalArgumentException.class, () -> q.limits(5, 0)).getMessage());
            assertEquals("minFreeBytes -2 must not be negative",
                    assertThrows(IllegalArgumentException.class, () -> q.limits(1024, -2)).getMessage());
            q.append(payload(21, 100));
            assertEquals(11, q.stats().droppedFull(), "the record peeked above may be in flight: held, not lost yet");
            q.peek(1);
            assertEquals(12, q.stats().droppedFull(), "the refused limits changed nothing");
            assertEquals(1280, q.stats().bytes());
        }
    }

    @Test
    void aPayloadLargerThanTheBoundIsRefusedAndNothingIsDropped() throws Exception {
        try (DiskQueue q = DiskQueue.open(tmp.resolve("q"), 1024, 0, clock)) {
            q.append(payload(1, 500));
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                    () -> q.append(payload(2, 1000)));
            assertEquals("a payload of 1000 bytes (1028 with its record header) is larger than the queue bound"
                    + " of 1024 bytes", e.getMessage());
            assertEquals(1, q.stats().records());
            assertEquals(0, q.stats().droppedFull());
            q.append(payload(3, 996)); // exactly the bound: the first record makes room
            assertEquals(1, q.stats().droppedFull());
            assertEquals(1024, q.stats().bytes());
        }
    }

    @Test
    void aRecordDroppedWhileInFlightCountsAsLostOnlyIfTheGatewayDidNotTakeIt() throws Exception {
        try (DiskQueue q = DiskQueue.open(tmp.resolve("q"), 8 * 128, 0, clock, 1024)) {
            for (int i = 0; i < 8; i++) {
                q.append(payload(i, 100));
            }
            List<DiskQueue.Record> window = q.peek(2);        // two records on their way to the gateway
            q.append(payload(8, 100));                        // room needed: the oldest (in flight) is dropped
            q.append(payload(9, 100));                        // and the second
            assertEquals(0, q.stats().droppedFull(), "held while the push that carries them is out");
            q.ack(window.get(0).seq());                       // the gateway stored the first
            List<DiskQueue.Record> next = q.peek(8);          // the next push: the second was not stored
            assertEquals(1, q.stats().droppedFull(), "only the one the gateway never took is lost");
            assertEquals(window.get(1).seq() + 1, next.get(0).seq());
            q.append(payload(10, 100));                       // drops the oldest of that new window
            assertEquals(1, q.stats().droppedFull(), "the record after them was in that peek too: held");
            q.peek(1);
            assertEquals(2, q.stats().droppedFull());
        }
    }
}
