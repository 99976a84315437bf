package dev.outpost.agent.status;

/**
 * The daemon's state as {@code status} shows it. Times are ISO-8601 UTC; absent values are null. {@code
 * queueHeldInMemory} counts the queued batches the disk could not take, {@code diskProblem} says why (null while it
 * takes them), and {@code batchKeyOffset} is what batch keys add to the queue's sequence numbers (0 unless the
 * gateway had stored those numbers before: a state directory restored from a snapshot).
 */
public record AgentStatus(
        String agentId,
        String org,
        String server,
        String ingestUrl,
        String certificateNotAfter,
        String state,
        String stateReason,
        long pid,
        String updated,
        String lastPushAttempt,
        String lastPushResult,
        String lastSuccess,
        long batchesSent,
        long retries,
        long queueBatches,
        long queueBytes,
        long oldestBatchAgeSeconds,
        long droppedQueueFull,
        long droppedDiskFull,
        long droppedCorrupt,
        long droppedRejected,
        long nextSequence,
        String nextRenewal,
        long renewalFailures,
        long queueHeldInMemory,
        String diskProblem,
        long batchKeyOffset) {
}
