package dev.outpost.agent.collect;

import com.sun.jna.Memory;
import com.sun.jna.Native;
import com.sun.jna.Pointer;

/**
 * statvfs(3) of one mount point into a buffer kept for the agent's life, read at the offsets of glibc's struct
 * statvfs (every field up to f_ffree is an unsigned long: 8 bytes on 64-bit Linux, 4 on 32-bit), with the figures
 * OSHI computes from the same call: inodes from f_files and f_ffree, bytes as blocks times f_frsize. OSHI's own call
 * builds a JNA Structure (sized and laid out by reflection) for every mount point every cycle; this one costs a
 * native call. libc's statvfs is called through JNA, which OSHI loads anyway. Not thread-safe: one per thread.
 */
final class Statvfs implements AutoCloseable {
    private static final int F_FRSIZE = 1;
    private static final int F_BLOCKS = 2;
    private static final int F_BFREE = 3;
    private static final int F_BAVAIL = 4;
    private static final int F_FILES = 5;
    private static final int F_FFREE = 6;

    static {
        Native.register(Statvfs.class, "c");
    }

    private static native int statvfs(String path, Pointer buffer);

    /** Larger than struct statvfs on any Linux ABI (112 bytes on 64-bit). */
    private final Memory buffer = new Memory(256);

    /**
     * {@code [totalInodes, freeInodes, totalBytes, usableBytes, freeBytes]} of the filesystem mounted at
     * {@code mountPoint} (OSHI's order), or null when the call fails.
     */
    long[] query(String mountPoint) {
        if (statvfs(mountPoint, buffer) != 0) {
            return null;
        }
        long frsize = field(F_FRSIZE);
        return new long[] {field(F_FILES), field(F_FFREE), field(F_BLOCKS) * frsize, field(F_BAVAIL) * frsize,
            field(F_BFREE) * frsize};
    }

    private long field(int index) {
        return buffer.getNativeLong((long) index * Native.LONG_SIZE).longValue();
    }

    @Override
    public void close() {
        buffer.close();
    }
}
