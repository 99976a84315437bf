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
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The agent's durable outbox: every batch is appended, fsynced, to checksummed segment files before any send
 * and leaves only when acknowledged, so an outage, a {@code kill -9} or a full disk loses nothing written. It is
 * bounded in bytes and by free disk; when full the oldest records go first, and every loss is counted in
 * {@link QueueStats}. A batch the disk cannot take (full, below the free-space minimum, failing) is held in memory
 * behind what is on disk and still handed out for sending, and written to disk once it takes batches again.
 */
public final class DiskQueue implements AutoCloseable {
    /** A segment rolls once the next record would take it past this size. */
    static final int SEGMENT_BYTES = 8 << 20;
    private static final Logger LOG = LoggerFactory.getLogger("outpost.agent.queue");

    /** One queued batch; its sequence number names it on the wire. */
    public record Record(long seq, Instant created, byte[] payload) {
    }

    private final Path dir;
    private final Clock clock;
    private final int segmentBytes;
    private final QueueLimits limits;
    private final AckFile ackFile;
    private final Segments segments;
    private final MemoryHold hold;
    private final DiskTrouble trouble;
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
    private boolean closed;

    private DiskQueue(Path dir, long maxBytes, long minFreeBytes, Clock clock, int segmentBytes, long holdBytes,
            FileStore store) {
        this.dir = dir;
        this.clock = clock;
        this.segmentBytes = segmentBytes;
        this.limits = new QueueLimits(store, maxBytes, minFreeBytes);
        this.ackFile = new AckFile(dir);
        this.segments = new Segments(dir);
        this.hold = new MemoryHold(holdBytes);
        this.trouble = new DiskTrouble(dir, clock);
    }

    /**
     * Opens (or creates) the queue in {@code dir}, cutting torn tails and skipping corrupt records. It keeps at
     * most {@code maxBytes} of records and at least {@code minFreeBytes} free on the file system (0: no minimum).
     * A new queue numbers its first record with the clock's epoch milliseconds; numbers never go back, also
     * across reopening, and the number of a record cut off after a crash is not given out again. A disk that
     * cannot be written (full, read-only) does not stop it: appends retry it. Only reading can fail here.
     */
    public static DiskQueue open(Path dir, long maxBytes, long minFreeBytes, Clock clock) throws IOException {
        return open(dir, maxBytes, minFreeBytes, clock, SEGMENT_BYTES, MemoryHold.DEFAULT_BYTES);
    }

    /** Like {@link #open(Path, long, long, Clock)} with another segment size, so tests can roll small segments. */
    static DiskQueue open(Path dir, long maxBytes, long minFreeBytes, Clock clock, int segmentBytes)
            throws IOException {
        return open(dir, maxBytes, minFreeBytes, clock, segmentBytes, MemoryHold.DEFAULT_BYTES);
    }

    /** Like {@link #open(Path, long, long, Clock, int)} with another memory hold bound, so tests can fill it. */
    static DiskQueue open(Path dir, long maxBytes, long minFreeBytes, Clock clock, int segmentBytes, long holdBytes)
            throws IOException {
        Objects.requireNonNull(dir, "dir");
        Objects.requireNonNull(clock, "clock");
        QueueLimits.check(maxBytes, minFreeBytes);
        if (segmentBytes < 1024) {
            throw new IllegalArgumentException("segmentBytes " + segmentBytes + " must be at least 1024 bytes");
        }
        IOException unwritable = null;
        try {
            if (!Files.isDirectory(dir) || !Files.getPosixFilePermissions(dir).equals(SecureFiles.PRIVATE_DIR)) {
                SecureFiles.directory(dir, SecureFiles.PRIVATE_DIR);
            }
        } catch (IOException e) {
            unwritable = e; // a full or read-only disk: the first append tries again
        }
        Path existing = dir;
        while (!Files.exists(existing)) {
            existing = existing.toAbsolutePath().getParent();
        }
        DiskQueue q = new DiskQueue(dir, maxBytes, minFreeBytes, clock, segmentBytes, holdBytes,
                Files.getFileStore(existing));
        if (unwritable != null) {
            q.trouble.failed(unwritable, holdBytes);
        }
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

    /**
     * Appends {@code payload} durably (fsynced) and returns its sequence number; drops the oldest to fit. If the disk
     * cannot take it, it is held in memory (see {@link MemoryHold}) and the disk is tried again at the next append.
     */
    public synchronized long append(byte[] payload) {
        ensureOpen();
        Objects.requireNonNull(payload, "payload");
        limits.checkFits(payload.length);
        Record r = new Record(nextSeq, Instant.ofEpochMilli(clock.millis()), payload);
        nextSeq++;
        try {
            int written = hold.writeTo(this::write); // held ones first: the disk keeps sequence order
            write(r);
            trouble.recovered(written, hold.lost());
        } catch (IOException e) {
            trouble.failed(e, hold.maxBytes());
            hold.add(r, peekedThrough);
            trouble.lost(hold.lost());
        }
        return r.seq();
    }

    private void write(Record r) throws IOException {
        long size = RecordCodec.HEADER + (long) r.payload().length;
        long dropsBefore = segments.droppedFull();
        long droppedThroughBefore = segments.droppedThrough();
        limits.makeRoom(segments, size, r.seq());
        holdInFlightDrops(droppedThroughBefore, segments.droppedThrough());
        segments.reclaim();
        persistState(segments.droppedFull() > dropsBefore); // at once: dropped records must not come back
        limits.checkFreeSpace(size);
        long created = r.created().toEpochMilli();
        segments.append(RecordCodec.encode(r.seq(), created, r.payload()), r.seq(), created, segmentBytes);
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
            if (out.size() < max) {
                out.addAll(hold.peek(max - out.size()));
            }
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

    /**
     * Acknowledges every record up to and including {@code seq}; whole acknowledged segments are deleted. A segment
     * the disk does not let go of now is deleted at the next start.
     */
    public synchronized void ack(long seq) {
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
            hold.removeThrough(seq);
            try {
                segments.reclaim();
            } catch (IOException e) {
                trouble.failed(e, hold.maxBytes());
            }
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
        QueueStats s = segments.stats(hold.lost(), nextSeq);
        long pending = Math.max(0, pendingTo - pendingFrom + 1) + deliveredAfterDrop;
        Record firstHeld = hold.first();
        return new QueueStats(s.records() + hold.size(), s.bytes(), s.oldestCreated() != null || firstHeld == null
                ? s.oldestCreated() : firstHeld.created(), s.droppedFull() - pending, s.droppedDiskFull(),
                s.corruptSkipped(), s.tornTailBytesCut(), s.nextSeq(), hold.size(), hold.bytes());
    }

    /** Why the disk does not take batches, in a sentence saying what to do; null while it does. */
    public String diskProblem() {
        return trouble.problem();
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

    /**
     * Writes a pending acknowledgement and the batches held in memory if the disk takes them now, and closes the
     * files. Held batches it does not take are lost, counted (those never handed out for sending) and logged.
     */
    @Override
    public void close() throws IOException {
        synchronized (this) {
            if (closed) {
                return;
            }
            closed = true;
            try {
                trouble.recovered(hold.writeTo(this::write), hold.lost());
            } catch (IOException e) {
                int held = hold.size();
                long never = hold.dropAll(peekedThrough);
                LOG.warn("stopping with {} batches held in memory that the disk queue in {} could not take ({}): "
                        + "lost, {} of them never sent", held, dir, e.getMessage(), never);
            }
            try {
                persistState(true);
            } finally {
                ackFile.close();
                segments.close();
            }
        }
    }

    /** Writes the acknowledgement state (a failure is reported by {@link AckFile} and retried with the next change). */
    private void persistState(boolean force) {
        ackFile.update(new AckFile.State(acked, segments.droppedThrough()));
        ackFile.flush(clock.millis(), force);
    }

    private void ensureOpen() {
        if (closed) {
            throw new IllegalStateException("disk queue " + dir + " is closed");
        }
    }
}
