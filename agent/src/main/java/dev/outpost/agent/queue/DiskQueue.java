package dev.outpost.agent.queue;

import dev.outpost.wire.SecureFiles;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.FileStore;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Instant;
import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * The agent's durable outbox: every batch is appended, fsynced, to checksummed segment files before any send
 * and leaves only when acknowledged, so an outage, a {@code kill -9} or a full disk loses nothing written. It is
 * bounded in bytes and by free disk; when full the oldest records go first, and every loss is counted in
 * {@link QueueStats}.
 */
public final class DiskQueue implements AutoCloseable {
    /** A segment rolls once the next record would take it past this size. */
    static final int SEGMENT_BYTES = 8 << 20;

    /** One queued batch; its sequence number names it on the wire. */
    public record Record(long seq, Instant created, byte[] payload) {
    }

    private final Path dir;
    private final Clock clock;
    private final int segmentBytes;
    private final QueueLimits limits;
    private final AckFile ackFile;
    private final Segments segments;
    private long acked;
    /** The highest sequence handed out by {@link #peek}: records up to it may be on their way to the gateway. */
    private long peekedThrough = -1;
    /** The lowest sequence of the last window {@link #peek} handed out. */
    private long peekedFrom;
    /**
     * Records dropped for room while they may have been in flight, [pendingFrom, pendingTo]: not counted as lost
     * yet, because the gateway may still store them. An {@link #ack} covering them proves delivery; the next
     * {@link #peek} (the push that follows) makes the rest final. So the drop count is exact and only grows.
     */
    private long pendingFrom = 1;
    private long pendingTo;
    private long deliveredAfterDrop;
    private long nextSeq;
    private long droppedDiskFull;
    private boolean closed;

    private DiskQueue(Path dir, long maxBytes, long minFreeBytes, Clock clock, int segmentBytes, FileStore store) {
        this.dir = dir;
        this.clock = clock;
        this.segmentBytes = segmentBytes;
        this.limits = new QueueLimits(store, maxBytes, minFreeBytes);
        this.ackFile = new AckFile(dir);
        this.segments = new Segments(dir);
    }

    /**
     * Opens (or creates) the queue in {@code dir}, cutting torn tails and skipping corrupt records. It keeps at
     * most {@code maxBytes} of records and at least {@code minFreeBytes} free on the file system (0: no minimum).
     * A new queue numbers its first record with the clock's epoch milliseconds; numbers never go back, also
     * across reopening, and the number of a record cut off after a crash is not given out again.
     */
    public static DiskQueue open(Path dir, long maxBytes, long minFreeBytes, Clock clock) throws IOException {
        return open(dir, maxBytes, minFreeBytes, clock, SEGMENT_BYTES);
    }

    /** Like {@link #open(Path, long, long, Clock)} with another segment size, so tests can roll small segments. */
    static DiskQueue open(Path dir, long maxBytes, long minFreeBytes, Clock clock, int segmentBytes)
            throws IOException {
        Objects.requireNonNull(dir, "dir");
        Objects.requireNonNull(clock, "clock");
        QueueLimits.check(maxBytes, minFreeBytes);
        if (segmentBytes < 1024) {
            throw new IllegalArgumentException("segmentBytes " + segmentBytes + " must be at least 1024 bytes");
        }
        SecureFiles.directory(dir, SecureFiles.PRIVATE_DIR);
        DiskQueue q = new DiskQueue(dir, maxBytes, minFreeBytes, clock, segmentBytes, Files.getFileStore(dir));
        try {
            Optional<AckFile.State> state = q.ackFile.load();
            q.acked = state.map(AckFile.State::acked).orElse(0L);
            q.nextSeq = q.segments.load(state, Math.max(1, clock.millis()));
        } catch (IOException | RuntimeException e) {
            try {
                q.segments.close();
            } catch (IOException c) {
                e.addSuppressed(c);
            }
            throw e;
        }
        return q;
    }

    /** Appends {@code payload} durably (fsynced) and returns its sequence number; drops the oldest to fit. */
    public synchronized long append(byte[] payload) throws IOException {
        ensureOpen();
        Objects.requireNonNull(payload, "payload");
        limits.checkFits(payload.length);
        long size = RecordCodec.HEADER + (long) payload.length;
        try {
            long dropsBefore = segments.droppedFull();
            long droppedThroughBefore = segments.droppedThrough();
            limits.makeRoom(segments, size, nextSeq);
            holdInFlightDrops(droppedThroughBefore, segments.droppedThrough());
            segments.reclaim();
            persistState(segments.droppedFull() > dropsBefore); // at once: dropped records must not come back
            limits.checkFreeSpace(size);
            long seq = nextSeq;
            long created = clock.millis();
            segments.append(RecordCodec.encode(seq, created, payload), seq, created, segmentBytes);
            nextSeq++;
            return seq;
        } catch (IOException e) {
            droppedDiskFull++;
            String why = e.getMessage() != null ? e.getMessage() : e.getClass().getSimpleName();
            throw new IOException("disk queue " + dir + ": a record of " + size + " bytes was not stored (" + why
                    + "); it was dropped, and what is queued is intact", e);
        }
    }

    /** The oldest unacknowledged records, up to {@code max}, in sequence order; they stay queued. */
    public synchronized List<Record> peek(int max) {
        ensureOpen();
        if (max < 1) {
            throw new IllegalArgumentException("max " + max + " must be at least 1");
        }
        try {
            pendingFrom = pendingTo + 1; // not acknowledged by the push that carried them: lost after all
            List<Record> out = segments.peek(max);
            if (!out.isEmpty()) {
                peekedFrom = out.get(0).seq();
                peekedThrough = out.get(out.size() - 1).seq();
            }
            ackFile.update(new AckFile.State(acked, segments.droppedThrough())); // written by the next ack or append
            return out;
        } catch (IOException e) {
            throw new UncheckedIOException("disk queue " + dir + ": cannot read queued records", e);
        }
    }

    /** Acknowledges every record up to and including {@code seq}; whole acknowledged segments are deleted. */
    public synchronized void ack(long seq) throws IOException {
        ensureOpen();
        if (seq >= nextSeq) {
            throw new IllegalArgumentException("ack " + seq + " is beyond the last sequence number appended, "
                    + (nextSeq - 1));
        }
        if (seq > acked) {
            if (seq >= pendingFrom && pendingFrom <= pendingTo) {
                long delivered = Math.min(seq, pendingTo) - pendingFrom + 1;
                deliveredAfterDrop += delivered;
                pendingFrom += delivered;
            }
            acked = seq;
            segments.advance(seq);
            segments.reclaim();
        }
        persistState(false);
    }

    /**
     * Changes the bounds (a configuration reload); they apply from the next append, which drops what no longer
     * fits. Arguments are checked as by {@link #open(Path, long, long, Clock)}.
     */
    public synchronized void limits(long maxBytes, long minFreeBytes) {
        limits.set(maxBytes, minFreeBytes);
    }

    /** What waits, how old it is, and what was lost and why. */
    public synchronized QueueStats stats() {
        QueueStats s = segments.stats(droppedDiskFull, nextSeq);
        long held = Math.max(0, pendingTo - pendingFrom + 1) + deliveredAfterDrop;
        return new QueueStats(s.records(), s.bytes(), s.oldestCreated(), s.droppedFull() - held, s.droppedDiskFull(),
                s.corruptSkipped(), s.tornTailBytesCut(), s.nextSeq());
    }

    /** Of the records just dropped, (before, through], those handed to the push loop are held (see pendingFrom). */
    private void holdInFlightDrops(long before, long through) {
        long lo = Math.max(Math.max(before, acked) + 1, peekedFrom);
        long hi = Math.min(through, peekedThrough);
        if (hi >= lo) {
            if (pendingFrom > pendingTo) {
                pendingFrom = lo;
            }
            pendingTo = hi;
        }
    }

    /** Writes a pending acknowledgement and closes the files. */
    @Override
    public void close() throws IOException {
        synchronized (this) {
            if (closed) {
                return;
            }
            closed = true;
            try {
                persistState(true);
            } finally {
                segments.close();
            }
        }
    }

    private void persistState(boolean force) throws IOException {
        ackFile.update(new AckFile.State(acked, segments.droppedThrough()));
        ackFile.flush(clock.millis(), force);
    }

    private void ensureOpen() {
        if (closed) {
            throw new IllegalStateException("disk queue " + dir + " is closed");
        }
    }
}
