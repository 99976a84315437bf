package dev.outpost.agent.collect;

import java.io.IOException;
import java.io.RandomAccessFile;
import java.io.UncheckedIOException;
import java.nio.charset.Charset;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Objects;

/**
 * One kernel file read every cycle (/proc/stat, meminfo, ...), kept open and read again from its start, as top and
 * the like do: the kernel makes a /proc or /sys file's text anew at each read from offset 0, so a seek and a read
 * give what an open, a read and a close would, without a new stream, file descriptor and cleaner per read (which, run
 * once per cycle, stays interpreted and cost more than the read). A read that fails on the kept descriptor is tried
 * once more on a new one. Only for kernel files: a regular file replaced by a rename would still be read through the
 * descriptor of the old one. A file longer than {@link #MAX_BYTES} is refused (the collector that reads it fails, logged
 * once) rather than buffered whole. Reused buffer: not thread-safe, one instance per file and thread (the collection
 * thread).
 */
final class ProcFile implements AutoCloseable {
    /** The most read of one file: far above any /proc text of a real host (a mount table of 10,000 mounts is ~1.5 MB). */
    static final int MAX_BYTES = 16 * 1024 * 1024;

    private final Path path;
    private RandomAccessFile file;
    private byte[] buffer = new byte[8192];

    ProcFile(Path path) {
        this.path = Objects.requireNonNull(path, "path");
    }

    Path path() {
        return path;
    }

    /**
     * The content, one byte a character: for files of figures and keywords only (/proc/stat, vmstat, meminfo,
     * loadavg, uptime), searched whole with {@link String#indexOf} instead of split into a string per line.
     */
    String text() {
        return string(StandardCharsets.ISO_8859_1);
    }

    /** The lines, decoded leniently: an interface or device name that is not UTF-8 must not fail the collector. */
    List<String> lines() {
        return List.of(string(StandardCharsets.UTF_8).split("\n"));
    }

    /** The content as bytes. */
    byte[] bytes() {
        int size = read(); // first: the read may replace the buffer by a larger one
        return Arrays.copyOf(buffer, size);
    }

    private String string(Charset charset) {
        int size = read(); // first: the read may replace the buffer by a larger one
        return new String(buffer, 0, size, charset);
    }

    /** Reads the whole file into {@link #buffer}; returns its length. */
    private int read() {
        boolean kept = file != null;
        try {
            return readWhole();
        } catch (IOException first) {
            close();
            if (!kept) {
                throw new UncheckedIOException("cannot read " + path, first);
            }
            try {
                return readWhole(); // the kept descriptor went bad (the file was replaced): a new one
            } catch (IOException again) {
                close();
                again.addSuppressed(first);
                throw new UncheckedIOException("cannot read " + path, again);
            }
        }
    }

    private int readWhole() throws IOException {
        if (file == null) {
            file = new RandomAccessFile(path.toString(), "r");
        } else {
            file.seek(0);
        }
        int size = 0;
        while (true) {
            if (size == buffer.length) {
                if (size >= MAX_BYTES) {
                    if (file.read() < 0) {
                        return size;
                    }
                    throw new IOException("longer than " + MAX_BYTES + " bytes");
                }
                buffer = Arrays.copyOf(buffer, Math.min(MAX_BYTES, buffer.length * 2));
            }
            int n = file.read(buffer, size, buffer.length - size);
            if (n < 0) {
                return size;
            }
            size += n;
        }
    }

    @Override
    public void close() {
        if (file != null) {
            try {
                file.close();
            } catch (IOException e) {
                // nothing held any more
            }
            file = null;
        }
    }
}
