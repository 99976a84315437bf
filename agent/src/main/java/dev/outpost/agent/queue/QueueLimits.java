package dev.outpost.agent.queue;

import java.io.IOException;
import java.nio.file.FileStore;

/**
 * The queue's two bounds, the bytes of waiting records and the free space left on the file system, and how
 * room is made within them: the oldest records go first. Both can change while the queue is open (SIGHUP).
 */
final class QueueLimits {
    private static final long DEFAULT_BLOCK = 4096;

    private final FileStore store;
    private final long blockSize;
    private long maxBytes;
    private long minFreeBytes;

    QueueLimits(FileStore store, long maxBytes, long minFreeBytes) {
        this.store = store;
        this.blockSize = blockSizeOf(store);
        set(maxBytes, minFreeBytes);
    }

    /** Takes new bounds, checked; they apply from the next append. */
    void set(long maxBytes, long minFreeBytes) {
        check(maxBytes, minFreeBytes);
        this.maxBytes = maxBytes;
        this.minFreeBytes = minFreeBytes;
    }

    static void check(long maxBytes, long minFreeBytes) {
        if (maxBytes < 1024) {
            throw new IllegalArgumentException("maxBytes " + maxBytes + " must be at least 1024 bytes");
        }
        if (minFreeBytes < 0) {
            throw new IllegalArgumentException("minFreeBytes " + minFreeBytes + " must not be negative");
        }
    }

    /** Refuses a record that could never fit, whatever is dropped. */
    void checkFits(int payloadLength) {
        long size = RecordCodec.HEADER + (long) payloadLength;
        if (size > maxBytes || payloadLength > RecordCodec.MAX_PAYLOAD) {
            throw new IllegalArgumentException("a payload of " + payloadLength + " bytes (" + size
                    + " with its record header) is larger than the queue bound of " + maxBytes + " bytes");
        }
    }

    /**
     * Drops the oldest records until one of {@code size} bytes fits the byte bound, then deletes whole oldest
     * segments until the free-disk minimum would hold after it, but only if that can reach it: never lose data
     * for nothing.
     */
    void makeRoom(Segments segments, long size, long nextSeq) throws IOException {
        while (segments.bytes() + size > maxBytes) {
            segments.dropOldest();
        }
        if (minFreeBytes > 0) {
            long usable = usableAfter(size); // read again only after a deletion (each read is a statvfs)
            if (usable + segments.freeableBytes() >= minFreeBytes) {
                while (usable < minFreeBytes && segments.freeOldest(nextSeq)) {
                    usable = usableAfter(size); // each pass deletes one segment
                }
            }
        }
    }

    /** Throws if writing {@code size} bytes would leave less free than the minimum. */
    void checkFreeSpace(long size) throws IOException {
        long usable = minFreeBytes > 0 ? usableAfter(size) : Long.MAX_VALUE;
        if (usable < minFreeBytes) {
            throw new LowSpaceException(usable, store.getUsableSpace(), minFreeBytes);
        }
    }

    /** Writing would leave less free space on the file system than {@code queue.min_free_bytes}. */
    static final class LowSpaceException extends IOException {
        private static final long serialVersionUID = 1L;
        private final long free;
        private final long minFree;

        LowSpaceException(long usableAfter, long free, long minFree) {
            super("the file system would have " + usableAfter + " bytes usable after it, below the " + minFree
                    + " bytes that must stay free");
            this.free = free;
            this.minFree = minFree;
        }

        /** Usable bytes on the file system now, before the write. */
        long free() {
            return free;
        }

        long minFree() {
            return minFree;
        }
    }

    /** Usable bytes after {@code bytes} more were written to a file, which grows in whole blocks. */
    private long usableAfter(long bytes) throws IOException {
        long blocks = (bytes + blockSize - 1) / blockSize;
        return store.getUsableSpace() - blocks * blockSize;
    }

    private static long blockSizeOf(FileStore store) {
        try {
            long size = store.getBlockSize();
            return size > 0 ? size : DEFAULT_BLOCK;
        } catch (IOException | UnsupportedOperationException e) {
            return DEFAULT_BLOCK; // file systems that do not say: assume the common page size
        }
    }
}
