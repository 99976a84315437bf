package dev.outpost.agent.queue;

import java.io.Closeable;
import java.io.IOException;
import dev.outpost.wire.SecureFiles;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The queue's segment files, oldest first, the newest taking appends, with the count and bytes of the records
 * still waiting in them and what was dropped or found corrupt. Records leave only from the front.
 */
final class Segments implements Closeable {
    private static final Logger LOG = LoggerFactory.getLogger(Segments.class);

    private final Path dir;
    private final ArrayDeque<Segment> list = new ArrayDeque<>();
    private long records;
    private long bytes;
    private long droppedFull;
    private long droppedThrough;
    private long corruptSkipped;
    private long tornTailBytesCut;

    Segments(Path dir) {
        this.dir = dir;
    }

    /**
     * Scans the directory and returns the next sequence number: {@code epochMillis} for a brand-new queue, else
     * one past all on disk or acknowledged, burning one more after a cut tail (it may have been sent). A directory
     * that does not exist yet is a new queue.
     */
    long load(Optional<AckFile.State> state, long epochMillis) throws IOException {
        AckFile.State s = state.orElse(new AckFile.State(0, 0));
        droppedThrough = s.droppedThrough();
        List<SegmentScanner.Result> scanned = Files.isDirectory(dir) ? SegmentScanner.scanAll(dir) : List.of();
        long lastSeq = 0;
        for (SegmentScanner.Result r : scanned) {
            Segment seg = r.segment();
            list.add(seg);
            records += seg.index().count();
            bytes += seg.index().liveBytes();
            corruptSkipped += r.corrupt();
            tornTailBytesCut += r.cutBytes();
            lastSeq = Math.max(lastSeq, seg.lastSeq());
        }
        boolean tailCut = !scanned.isEmpty() && scanned.get(scanned.size() - 1).cutBytes() > 0;
        advance(s.floor());
        long next = scanned.isEmpty() && state.isEmpty() ? epochMillis
                : Math.max(s.floor(), lastSeq + (tailCut ? 1 : 0)) + 1;
        if (list.isEmpty() || tailCut) {
            try {
                list.add(Segment.create(dir, next)); // its name keeps the next number on disk
            } catch (IOException e) {
                LOG.warn("cannot create a queue segment in {} now ({}); the next batch tries again", dir,
                        e.getMessage());
            }
        }
        reclaim();
        return next;
    }

    /** Writes a record to the newest segment, first rolling to a new one if it would grow past {@code roll}. */
    void append(ByteBuffer record, long seq, long created, int roll) throws IOException {
        if (list.isEmpty()) {
            SecureFiles.directory(dir, SecureFiles.PRIVATE_DIR); // it could not be created when the queue opened
            list.add(Segment.create(dir, seq));
        }
        Segment active = list.getLast();
        int size = record.remaining();
        if (active.size() > 0 && active.size() + size > roll) {
            Segment previous = active;
            active = Segment.create(dir, seq);
            list.add(active);
            previous.release();
        }
        active.append(record, seq, created);
        records++;
        bytes += size;
    }

    /** Removes every waiting record with a sequence number up to {@code floor} (acknowledged or dropped). */
    void advance(long floor) {
        for (Segment s : list) {
            RecordIndex x = s.index();
            while (x.hasLive() && x.headSeq() <= floor) {
                remove(x);
            }
            if (x.hasLive()) {
                return;
            }
        }
    }

    /** Drops the oldest waiting record, counted; the caller ensures there is one. */
    void dropOldest() {
        Segment s = firstLive();
        if (s == null) {
            throw new IllegalStateException("no record left to drop in " + dir);
        }
        droppedFull++;
        drop(s.index());
    }

    /**
     * Deletes the oldest segment to free disk space, dropping (and counting) what waits in it. The newest segment
     * is replaced by an empty one only if nothing waits in it; returns false if nothing could be freed.
     */
    boolean freeOldest(long nextSeq) throws IOException {
        if (list.isEmpty()) {
            return false;
        }
        Segment oldest = list.getFirst();
        if (list.size() == 1) {
            if (oldest.index().hasLive() || oldest.size() == 0) {
                return false;
            }
            list.add(Segment.create(dir, nextSeq));
        }
        while (oldest.index().hasLive()) {
            droppedFull++;
            drop(oldest.index());
        }
        list.removeFirst().delete();
        return true;
    }

    /** The file bytes {@link #freeOldest} could delete: every segment but the newest, and that one if done. */
    long freeableBytes() {
        Segment last = list.peekLast();
        long sum = 0;
        for (Segment s : list) { // a loop, not a stream: this runs at every append, mostly in the interpreter
            if (s != last || !s.index().hasLive()) {
                sum += s.size();
            }
        }
        return sum;
    }

    /** Deletes the leading segments nothing waits in; the newest stays, its name or records holding the count. */
    void reclaim() throws IOException {
        while (list.size() > 1 && !list.getFirst().index().hasLive()) {
            list.removeFirst().delete();
        }
    }

    /** Reads up to {@code max} waiting records; an unreadable oldest one is skipped and counted. */
    List<DiskQueue.Record> peek(int max) throws IOException {
        List<DiskQueue.Record> out = new ArrayList<>(Math.min(max, 64));
        for (Segment s : list) {
            RecordIndex x = s.index();
            for (int i = x.head(); i < x.count() && out.size() < max; i++) {
                Optional<DiskQueue.Record> r = s.read(i);
                if (r.isPresent()) {
                    out.add(r.get());
                } else if (out.isEmpty()) {
                    LOG.warn("queue segment {}: record {} no longer matches its checksum; skipped", s.path(),
                            x.seqAt(i));
                    corruptSkipped++;
                    drop(x);
                } else {
                    return out; // it will be the oldest next time
                }
            }
            if (s != list.getFirst() && s != list.getLast()) {
                s.release(); // only the oldest and the newest segment keep their file open
            }
            if (out.size() == max) {
                break;
            }
        }
        return out;
    }

    /** The oldest segment with a waiting record, or null. */
    private Segment firstLive() {
        for (Segment s : list) {
            if (s.index().hasLive()) {
                return s;
            }
        }
        return null;
    }

    private void drop(RecordIndex x) {
        droppedThrough = Math.max(droppedThrough, x.headSeq());
        remove(x);
    }

    private void remove(RecordIndex x) {
        records--;
        bytes -= x.headSize();
        x.dropHead();
    }

    /** The queue's figures, with those the caller keeps. */
    QueueStats stats(long droppedDiskFull, long nextSeq) {
        Segment first = firstLive();
        Instant oldest = first == null ? null : Instant.ofEpochMilli(first.index().headCreated());
        return new QueueStats(records, bytes, oldest, droppedFull, droppedDiskFull, corruptSkipped,
                tornTailBytesCut, nextSeq, 0, 0);
    }

    long bytes() {
        return bytes;
    }

    long droppedFull() {
        return droppedFull;
    }

    /** The highest sequence number removed without an acknowledgement (dropped or unreadable). */
    long droppedThrough() {
        return droppedThrough;
    }

    @Override
    public void close() throws IOException {
        Segment.closeAll(list);
    }
}
