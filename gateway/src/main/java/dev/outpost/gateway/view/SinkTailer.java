package dev.outpost.gateway.view;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * Follows the file sink's {@code metrics-*.ndjson} files like {@code tail -F}: each poll reads
 * only bytes not read before, moves on to the next file when the sink rotates, leaves a partial
 * last line for the next poll, and skips (counting) lines that are torn by rotation or too long.
 */
final class SinkTailer {

    /** Receives each complete line, without its newline. */
    interface LineHandler {
        void line(byte[] buffer, int offset, int length);
    }

    private static final int CHUNK = 64 * 1024;

    private final Path dir;
    private final int maxLineBytes;
    private final long backlogBytes;
    private final ByteBuffer chunk = ByteBuffer.allocate(CHUNK);
    private byte[] pending = new byte[256];
    private int pendingLength;
    private Path current;
    private long offset;
    private boolean discarding;
    private boolean countDiscarded;
    private long skippedLines;

    /**
     * @param backlogBytes how much already-written data the first poll reads, counted back from
     *     the end of the newest files, so that a new view shows recent values at once
     */
    SinkTailer(Path dir, int maxLineBytes, long backlogBytes) {
        if (dir == null) {
            throw new IllegalArgumentException("dir must not be null");
        }
        if (maxLineBytes < 1) {
            throw new IllegalArgumentException("maxLineBytes must be >= 1, got " + maxLineBytes);
        }
        if (backlogBytes < 0) {
            throw new IllegalArgumentException("backlogBytes must be >= 0, got " + backlogBytes);
        }
        this.dir = dir;
        this.maxLineBytes = maxLineBytes;
        this.backlogBytes = backlogBytes;
    }

    /** Reads everything appended since the last poll and hands each complete line to the handler. */
    void poll(LineHandler handler) throws IOException {
        List<Path> files = list();
        if (files.isEmpty()) {
            return;
        }
        if (current == null) {
            start(files);
        }
        while (true) {
            Path next = nextAfter(files, current);
            try {
                readToEnd(handler);
            } catch (NoSuchFileException deleted) {
                if (next == null) {
                    current = null;
                    return;
                }
            }
            if (next == null) {
                return;
            }
            if ((pendingLength > 0 && !discarding) || (discarding && countDiscarded)) {
                skippedLines++;
            }
            current = next;
            offset = 0;
            pendingLength = 0;
            discarding = false;
        }
    }

    /** The file being followed, or null before any file exists. */
    Path currentFile() {
        return current;
    }

    /** Lines skipped because they were torn by rotation or longer than the line bound. */
    long skippedLines() {
        return skippedLines;
    }

    private void start(List<Path> files) throws IOException {
        long remaining = backlogBytes;
        for (int i = files.size() - 1; i >= 0; i--) {
            long size = Files.size(files.get(i));
            if (size >= remaining || i == 0) {
                // Starting mid-file: back up one byte and drop up to the first newline, uncounted.
                current = files.get(i);
                offset = Math.max(0, size - remaining - 1);
                discarding = offset > 0;
                countDiscarded = false;
                return;
            }
            remaining -= size;
        }
    }

    private void readToEnd(LineHandler handler) throws IOException {
        pendingLength = 0;
        try (FileChannel channel = FileChannel.open(current, StandardOpenOption.READ)) {
            long size = channel.size();
            if (size < offset) {
                offset = 0;
                discarding = false;
            }
            long position = offset;
            while (position < size) {
                chunk.clear();
                chunk.limit((int) Math.min(CHUNK, size - position));
                int read = channel.read(chunk, position);
                if (read <= 0) {
                    break;
                }
                scan(chunk.array(), read, position, handler);
                position += read;
            }
        }
    }

    private void scan(byte[] bytes, int length, long base, LineHandler handler) {
        int start = 0;
        for (int i = 0; i < length; i++) {
            if (bytes[i] != '\n') {
                continue;
            }
            int segment = i - start;
            if (discarding) {
                discarding = false;
                if (countDiscarded) {
                    skippedLines++;
                }
            } else if (pendingLength + segment > maxLineBytes) {
                skippedLines++;
                pendingLength = 0;
            } else if (pendingLength == 0) {
                handler.line(bytes, start, segment);
            } else {
                append(bytes, start, segment);
                handler.line(pending, 0, pendingLength);
                pendingLength = 0;
            }
            start = i + 1;
            offset = base + start;
        }
        int rest = length - start;
        if (discarding) {
            offset = base + length;
        } else if (pendingLength + rest > maxLineBytes) {
            discarding = true;
            countDiscarded = true;
            pendingLength = 0;
            offset = base + length;
        } else {
            append(bytes, start, rest);
        }
    }

    private void append(byte[] bytes, int from, int length) {
        int needed = pendingLength + length;
        if (needed > pending.length) {
            pending = Arrays.copyOf(pending, Math.min(maxLineBytes, Math.max(pending.length * 2, needed)));
        }
        System.arraycopy(bytes, from, pending, pendingLength, length);
        pendingLength = needed;
    }

    private List<Path> list() throws IOException {
        List<Path> files = new ArrayList<>();
        if (!Files.isDirectory(dir)) {
            return files;
        }
        try (DirectoryStream<Path> stream = Files.newDirectoryStream(dir, "metrics-*.ndjson")) {
            stream.forEach(files::add);
        }
        files.sort((a, b) -> a.getFileName().toString().compareTo(b.getFileName().toString()));
        return files;
    }

    private static Path nextAfter(List<Path> files, Path file) {
        String name = file.getFileName().toString();
        for (Path candidate : files) {
            if (candidate.getFileName().toString().compareTo(name) > 0) {
                return candidate;
            }
        }
        return null;
    }
}
