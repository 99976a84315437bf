package dev.outpost.agent.queue;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.time.Instant;
import org.junit.jupiter.api.Test;

class BatchQueueTest {
    static BatchQueue.Batch batch(long seq) {
        return new BatchQueue.Batch(seq, new byte[10], Instant.ofEpochSecond(seq));
    }

    @Test
    void whenFullTheOldestGoesAndIsCounted() throws Exception {
        BatchQueue q = new BatchQueue(3);
        for (long i = 1; i <= 5; i++) {
            q.add(batch(i));
        }
        assertEquals(3, q.size());
        assertEquals(2, q.dropped());
        assertEquals(30, q.bytes());
        assertEquals(3, q.peek(0).orElseThrow().sequence(), "oldest kept is 3");
        assertEquals(java.time.Duration.ofSeconds(7), q.oldestAge(Instant.ofEpochSecond(10)));
    }

    @Test
    void removeTakesOnlyTheBatchThatWasSent() throws Exception {
        BatchQueue q = new BatchQueue(2);
        BatchQueue.Batch first = batch(1);
        q.add(first);
        q.add(batch(2));
        q.add(batch(3)); // drops 1 while it was being sent
        q.remove(first);
        assertEquals(2, q.size(), "batch 2 was not removed in place of the dropped batch 1");
        assertEquals(2, q.peek(0).orElseThrow().sequence());
    }

    @Test
    void boundMustBePositive() {
        assertEquals("queue bound 0 must be at least 1 batch",
                assertThrows(IllegalArgumentException.class, () -> new BatchQueue(0)).getMessage());
    }
}
