package dev.outpost.agent.collect;

import com.sun.jna.Native;

/**
 * statvfs(3) of one mount point into an array kept for the agent's life, read at the offsets of glibc's struct
 * statvfs (every field up to f_ffree is an unsigned long: 8 bytes on 64-bit Linux, 4 on 32-bit), with the figures
 * OSHI computes from the same call: inodes from f_files and f_ffree, bytes as blocks times f_frsize. OSHI's own call
 * builds a JNA Structure (sized and laid out by reflection) for every mount point every cycle; this one costs a
 * native call. libc's statvfs is called through JNA, which OSHI loads anyway. Not thread-safe: one per thread.
 */
final class Statvfs {
    private static final int F_FRSIZE = 1;
    private static final int F_BLOCKS = 2;
    private static final int F_BFREE = 3;
    private static final int F_BAVAIL = 4;
    private static final int F_FILES = 5;
    private static final int F_FFREE = 6;

    /** Whether unsigned long is 64 bits wide (LP64), else 32, as JNA found the C library built. */
    private static final boolean LP64 = Native.LONG_SIZE == 8;

    /**
     * statvfs with the struct as an array of the platform's unsigned long (JNA copies a Java array in and out of the
     * call): no JNA {@code Memory}, which registers with JNA's cleaner.
     */
    private static final class Lp64 {
        static {
            Native.register(Lp64.class, "c");
        }

        static native int statvfs(String path, long[] buffer);
    }

    /** As {@link Lp64} where unsigned long is 32 bits wide. */
    private static final class Ilp32 {
        static {
            Native.register(Ilp32.class, "c");
        }

        static native int statvfs(String path, int[] buffer);
    }

    /** Larger than struct statvfs on any Linux ABI (112 bytes on 64-bit): 256 bytes. */
    private final long[] wide = LP64 ? new long[32] : null;
    private final int[] narrow = LP64 ? null : new int[64];

    /**
     * {@code [totalInodes, freeInodes, totalBytes, usableBytes, freeBytes]} of the filesystem mounted at
     * {@code mountPoint} (OSHI's order), or null when the call fails.
     */
    long[] query(String mountPoint) {
        if ((LP64 ? Lp64.statvfs(mountPoint, wide) : Ilp32.statvfs(mountPoint, narrow)) != 0) {
            return null;
        }
        long frsize = field(F_FRSIZE);
        return new long[] {field(F_FILES), field(F_FFREE), field(F_BLOCKS) * frsize, field(F_BAVAIL) * frsize,
            field(F_BFREE) * frsize};
    }

    /** The field, an unsigned long of the platform (zero-extended on 32-bit). */
    private long field(int index) {
        return LP64 ? wide[index] : narrow[index] & 0xFFFFFFFFL;
    }
}
