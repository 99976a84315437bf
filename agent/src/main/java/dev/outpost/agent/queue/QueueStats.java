package dev.outpost.agent.queue;

import java.time.Duration;
import java.time.Instant;

/**
 * A snapshot of the disk queue for self-metrics and {@code status}: what waits to be sent and what was lost and
 * why. Counters count since the queue was opened.
 *
 * @param records records waiting to be acknowledged, on disk and held in memory
 * @param bytes the size of those on disk, headers included: what {@code maxBytes} bounds
 * @param oldestCreated when the oldest waiting record was appended; null when the queue is empty
 * @param droppedFull oldest records dropped to keep {@code maxBytes} or the free-disk minimum
 * @param droppedDiskFull records lost, never sent, because the disk could not take them (full, below the free-space
 *        minimum, failing) and the memory hold was full, or the agent stopped while they were held
 * @param corruptSkipped corrupt records skipped, and corrupt segment ends cut, at open or when read
 * @param tornTailBytesCut bytes cut off segment ends at open: a record torn by a crash, or after a garbage length
 * @param nextSeq the sequence number the next append gets
 * @param heldRecords of the records, those held in memory only, because the disk could not take them
 * @param heldBytes their payload bytes
 */
public record QueueStats(long records, long bytes, Instant oldestCreated, long droppedFull, long droppedDiskFull,
                         long corruptSkipped, long tornTailBytesCut, long nextSeq, long heldRecords, long heldBytes) {

    /** How long the oldest waiting record has waited at {@code now}; zero when the queue is empty. */
    public Duration oldestAge(Instant now) {
        return oldestCreated == null ? Duration.ZERO : Duration.between(oldestCreated, now);
    }
}
