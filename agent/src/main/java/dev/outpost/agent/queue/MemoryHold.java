package dev.outpost.agent.queue;

import java.io.IOException;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;

/**
 * Batches the disk could not take (full, below the free-space minimum, failing), held in memory after everything on
 * disk, in sequence order, so that they are still sent while the gateway is reachable and written to disk once it
 * takes them again. Bounded in bytes: to make room the oldest batch not yet handed out for sending goes, else the
 * new one; either way it is certain that it never reached the gateway, so the loss is counted exactly.
 */
final class MemoryHold {
    /** The default bound: about two hours of typical 10 s batches, a sixteenth of the agent's heap. */
    static final long DEFAULT_BYTES = 1 << 20;
    private final long maxBytes;
    private final ArrayDeque<DiskQueue.Record> records = new ArrayDeque<>();
    private long bytes;
    private long lost;

    MemoryHold(long maxBytes) {
        if (maxBytes < 1) {
            throw new IllegalArgumentException("maxBytes " + maxBytes + " must be positive");
        }
        this.maxBytes = maxBytes;
    }

    /**
     * Holds {@code r} (numbered above every held one), making room within the bound: records numbered up to
     * {@code handedOut} may have reached the gateway and are kept; if they leave no room, {@code r} is not held.
     * Returns how many records were lost.
     */
    int add(DiskQueue.Record r, long handedOut) {
        long size = r.payload().length;
        ArrayDeque<DiskQueue.Record> sent = new ArrayDeque<>();
        long sentBytes = 0;
        for (DiskQueue.Record h : records) {
            if (h.seq() > handedOut) {
                break;
            }
            sent.add(h);
            sentBytes += h.payload().length;
        }
        if (sentBytes + size > maxBytes) {
            lost++;
            return 1;
        }
        int dropped = 0;
        if (bytes + size > maxBytes) {
            sent.forEach(h -> records.pollFirst());
            while (bytes + size > maxBytes) {
                bytes -= records.pollFirst().payload().length;
                dropped++;
            }
            sent.descendingIterator().forEachRemaining(records::addFirst);
        }
        records.addLast(r);
        bytes += size;
        lost += dropped;
        return dropped;
    }

    /** Forgets every record numbered up to {@code seq} (acknowledged). */
    void removeThrough(long seq) {
        while (!records.isEmpty() && records.peekFirst().seq() <= seq) {
            bytes -= records.pollFirst().payload().length;
        }
    }

    /** Writes a record to disk, or throws. */
    interface Disk {
        void write(DiskQueue.Record r) throws IOException;
    }

    /**
     * Writes the held records to {@code disk}, oldest first, forgetting each once written; returns how many. The
     * first failure is thrown, and that record and those after it stay held.
     */
    int writeTo(Disk disk) throws IOException {
        int n = 0;
        while (!records.isEmpty()) {
            disk.write(records.peekFirst());
            bytes -= records.pollFirst().payload().length;
            n++;
        }
        return n;
    }

    /** The oldest held record, or null. */
    DiskQueue.Record first() {
        return records.peekFirst();
    }

    /** Up to {@code max} of the oldest held records. */
    List<DiskQueue.Record> peek(int max) {
        List<DiskQueue.Record> out = new ArrayList<>(Math.min(max, records.size()));
        for (DiskQueue.Record r : records) {
            if (out.size() == max) {
                break;
            }
            out.add(r);
        }
        return out;
    }

    /** Counts as lost the held records numbered above {@code handedOut} (never sent); forgets all. */
    long dropAll(long handedOut) {
        long never = records.stream().filter(r -> r.seq() > handedOut).count();
        lost += never;
        records.clear();
        bytes = 0;
        return never;
    }

    boolean isEmpty() {
        return records.isEmpty();
    }

    int size() {
        return records.size();
    }

    long bytes() {
        return bytes;
    }

    long maxBytes() {
        return maxBytes;
    }

    /** Records lost since the queue opened: never sent, and neither the disk nor the memory bound could take them. */
    long lost() {
        return lost;
    }
}
