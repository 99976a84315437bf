package dev.outpost.agent.collect;

import java.io.ByteArrayOutputStream;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.util.Arrays;

/**
 * Tells whether small kernel files (the mount table) changed since the last look, so that OSHI's object lists are
 * rebuilt only then: rebuilding the file store list forks lsblk. A look costs one read per file (kept open, see
 * {@link ProcFile}) and no child process; a file that cannot be read counts as empty.
 */
final class ChangeWatch {
    private final ProcFile[] files;
    private byte[] last;

    /** Watches the content of each of {@code sources}. */
    ChangeWatch(Path... sources) {
        if (sources.length == 0) {
            throw new IllegalArgumentException("sources: at least one file to watch is needed");
        }
        this.files = new ProcFile[sources.length];
        for (int i = 0; i < sources.length; i++) {
            files[i] = new ProcFile(sources[i]);
        }
    }

    /** True on the first call and whenever some source differs from the previous call's. */
    boolean changed() {
        byte[] now = read();
        if (last != null && Arrays.equals(last, now)) {
            return false;
        }
        last = now;
        return true;
    }

    private byte[] read() {
        if (files.length == 1) {
            return readOne(files[0]);
        }
        ByteArrayOutputStream all = new ByteArrayOutputStream(4096);
        for (ProcFile file : files) {
            all.writeBytes(readOne(file));
            all.write(0);
        }
        return all.toByteArray();
    }

    private static byte[] readOne(ProcFile file) {
        try {
            return file.bytes();
        } catch (UncheckedIOException e) {
            return new byte[0];
        }
    }
}
