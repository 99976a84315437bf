package dev.outpost.agent.queue;

import java.time.Instant;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.Optional;

/**
 * Encoded batches waiting to be sent, oldest first, bounded in count: when full the oldest batch is dropped
 * and counted, so that the newest data survives a long outage and the loss is reported.
 */
public final class BatchQueue {
    /** One encoded batch: its sequence number names it on the wire. */
    public record Batch(long sequence, byte[] gzipped, Instant created) {
    }

    private final int maxBatches;
    private final Deque<Batch> batches = new ArrayDeque<>();
    private long bytes;
    private long dropped;

    public BatchQueue(int maxBatches) {
        if (maxBatches < 1) {
            throw new IllegalArgumentException("queue bound " + maxBatches + " must be at least 1 batch");
        }
        this.maxBatches = maxBatches;
    }

    /** Appends; returns the number of old batches dropped to make room (0 or 1). */
    public synchronized int add(Batch b) {
        int drops = 0;
        while (batches.size() >= maxBatches) {
            Batch old = batches.removeFirst();
            bytes -= old.gzipped().length;
            dropped++;
            drops++;
        }
        batches.addLast(b);
        bytes += b.gzipped().length;
        notifyAll();
        return drops;
    }

    /** The oldest batch, waiting up to {@code millis} for one. */
    public synchronized Optional<Batch> peek(long millis) throws InterruptedException {
        if (batches.isEmpty() && millis > 0) {
            wait(millis);
        }
        return Optional.ofNullable(batches.peekFirst());
    }

    /** Removes {@code b} if it is still the oldest (it may have been dropped meanwhile). */
    public synchronized void remove(Batch b) {
        if (batches.peekFirst() == b) {
            batches.removeFirst();
            bytes -= b.gzipped().length;
        }
    }

    public synchronized int size() {
        return batches.size();
    }

    public synchronized long bytes() {
        return bytes;
    }

    /** Batches dropped since start because the queue was full. */
    public synchronized long dropped() {
        return dropped;
    }

    /** Age of the oldest batch at {@code now}, or zero. */
    public synchronized java.time.Duration oldestAge(Instant now) {
        Batch b = batches.peekFirst();
        return b == null ? java.time.Duration.ZERO : java.time.Duration.between(b.created(), now);
    }
}
