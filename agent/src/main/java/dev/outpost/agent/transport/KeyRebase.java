package dev.outpost.agent.transport;

import java.io.IOException;
import java.time.Clock;
import java.time.Duration;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Notices that the gateway had already stored the sequence numbers this queue is using, and moves the batch keys
 * above them. The sign: a batch answered {@code Outpost-Batch: stored} with an {@code Outpost-Watermark} above its
 * key. A queue restored from a snapshot, or recreated after one made while the clock was ahead, numbers its batches
 * below what the gateway stored; the gateway still stores them because their data is newer, but dedupes a retry
 * by its key only above the watermark. So from the next batch on, keys continue at the watermark + 1.
 * <p>
 * Keys move only after a window of batches in which every batch was answered or certainly not processed: a batch
 * whose answer was lost may have been stored, and its retry must keep its key. Keys never go beyond what a correct
 * clock allows (sequences start at the queue's creation time in milliseconds and grow by at most one per second), so
 * the gateway never refuses them as implausibly far ahead; a watermark beyond that leaves the keys as they are.
 */
final class KeyRebase {
    static final String STORED = "stored";
    private static final Logger LOG = LoggerFactory.getLogger("outpost.agent.push");
    private final BatchKeys keys;
    private final Clock clock;
    private final ClockSkew skew;
    /** The highest watermark above a stored batch's key seen in the current window; -1 for none. */
    private long watermark = -1;
    private long reusedKey;
    private boolean warnedAhead;
    private boolean warnedWrite;

    KeyRebase(BatchKeys keys, Clock clock, ClockSkew skew) {
        this.keys = keys;
        this.clock = clock;
        this.skew = skew;
    }

    /** A batch sent with key number {@code key} was answered 200 with these header values (each may be null). */
    void answered(long key, String batch, String watermarkHeader) {
        if (!STORED.equals(batch) || watermarkHeader == null) {
            return;
        }
        long w;
        try {
            w = Long.parseLong(watermarkHeader.strip());
        } catch (NumberFormatException e) {
            return; // not an Outpost gateway's answer: nothing to learn from it
        }
        if (w > key && w > watermark) {
            watermark = w;
            reusedKey = key;
        }
    }

    /**
     * The window ended. {@code acked}: the highest sequence acknowledged in it; {@code highestKey}: the highest key
     * number sent in it; {@code uncertain}: whether a batch of it may have been stored without its answer arriving;
     * {@code nextSeq}: the number the queue gives its next batch.
     */
    void windowEnded(long acked, long highestKey, boolean uncertain, long nextSeq) {
        long w = watermark;
        watermark = -1;
        if (w < 0 || uncertain || acked < 0) {
            return;
        }
        long firstKey = Math.max(w, highestKey) + 1;
        long offset = firstKey - (acked + 1);
        if (offset <= keys.offset()) {
            return;
        }
        Duration ahead = skew.last(); // null until an answer carried a readable Date: then trust this clock
        long limit = clock.millis() - (ahead == null ? 0 : Math.max(0, ahead.toMillis()));
        long newest = nextSeq - 1 + offset; // the key of the newest batch queued now
        if (newest > limit) {
            if (!warnedAhead) {
                LOG.warn("the gateway has stored batches of this agent up to sequence {}, above this queue's {}, and "
                        + "ahead of the clock by {} s: they came from a queue made while the clock was ahead. Keys stay "
                        + "as they are until the clock passes them (moving them there would look implausible to the "
                        + "gateway); meanwhile it still stores every batch whose data is newer than what it holds", w,
                        reusedKey, Duration.ofMillis(newest - limit).toSeconds());
                warnedAhead = true;
            }
            return;
        }
        try {
            keys.raise(offset);
        } catch (IOException e) {
            if (!warnedWrite) {
                LOG.warn("cannot write {} ({}): batch keys stay as they are until it can be written (the gateway still "
                        + "stores every batch whose data is newer)", keys.file(), e.getMessage());
                warnedWrite = true;
            }
            return;
        }
        warnedWrite = false;
        LOG.warn("the gateway had already stored batches of this agent up to sequence {}, above this queue's {}: the "
                + "state directory was restored from a snapshot, or the queue was recreated after one made while the "
                + "clock was ahead. The gateway stored this batch because its data is newer; from the next batch on, "
                + "keys are the queue's sequence + {} (next key {}:{}), kept in {}", w, reusedKey, offset,
                keys.agentId(), acked + 1 + offset, keys.file());
    }
}
