package dev.outpost.agent.queue;

import java.time.Duration;
import java.time.Instant;

/**
 * A snapshot of the disk queue for self-metrics and {@code status}: what waits to be sent and what was lost and
 * why. Counters count since the queue was opened.
 *
 * @param records records waiting to be acknowledged
 * @param bytes their size on disk, headers included: what {@code maxBytes} bounds
 * @param oldestCreated when the oldest waiting record was appended; null when the queue is empty
 * @param droppedFull oldest records dropped to keep {@code maxBytes} or the free-disk minimum
 * @param droppedDiskFull new records refused because the disk was full or the write failed
 * @param corruptSkipped corrupt records skipped, and corrupt segment ends cut, at open or when read
 * @param tornTailBytesCut bytes cut off segment ends at open: a record torn by a crash, or after a garbage length
 * @param nextSeq the sequence number the next append gets
 */
public record QueueStats(long records, long bytes, Instant oldestCreated, long droppedFull, long droppedDiskFull,
                         long corruptSkipped, long tornTailBytesCut, long nextSeq) {

    /** How long the oldest waiting record has waited at {@code now}; zero when the queue is empty. */
    public Duration oldestAge(Instant now) {
        return oldestCreated == null ? Duration.ZERO : Duration.between(oldestCreated, now);
    }
}
