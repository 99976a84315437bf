package dev.outpost.agent.queue;

import java.util.Arrays;

/**
 * The whole records of one segment as the queue knows them in memory: sequence number, creation time, offset
 * and size, in file order. Records before {@link #head()} are gone (acknowledged, dropped or unreadable).
 */
final class RecordIndex {
    private long[] seqs = new long[16];
    private long[] created = new long[16];
    private int[] offsets = new int[16];
    private int[] sizes = new int[16];
    private int count;
    private int head;

    /** Adds the record at {@code offset}; offsets stay below the segment size, so they fit an int. */
    void add(long seq, long createdMillis, long offset, int recordSize) {
        if (count == seqs.length) {
            int n = count * 2;
            seqs = Arrays.copyOf(seqs, n);
            created = Arrays.copyOf(created, n);
            offsets = Arrays.copyOf(offsets, n);
            sizes = Arrays.copyOf(sizes, n);
        }
        seqs[count] = seq;
        created[count] = createdMillis;
        offsets[count] = Math.toIntExact(offset);
        sizes[count] = recordSize;
        count++;
    }

    long headSeq() {
        return seqs[head];
    }

    long headCreated() {
        return created[head];
    }

    int headSize() {
        return sizes[head];
    }

    /** The bytes of the live records. */
    long liveBytes() {
        long sum = 0;
        for (int i = head; i < count; i++) {
            sum += sizes[i];
        }
        return sum;
    }

    /** Marks the oldest live record as gone. */
    void dropHead() {
        head++;
    }

    boolean hasLive() {
        return head < count;
    }

    int head() {
        return head;
    }

    int count() {
        return count;
    }

    long seqAt(int i) {
        return seqs[i];
    }

    long createdAt(int i) {
        return created[i];
    }

    int offsetAt(int i) {
        return offsets[i];
    }

    int sizeAt(int i) {
        return sizes[i];
    }
}
