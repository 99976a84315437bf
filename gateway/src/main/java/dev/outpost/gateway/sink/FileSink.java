package dev.outpost.gateway.sink;

import dev.outpost.gateway.ca.AgentIdentity;
import io.opentelemetry.proto.collector.metrics.v1.ExportMetricsServiceRequest;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Clock;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * The default sink: NDJSON files {@code metrics-<UTC time>-<seq>.ndjson} in one directory, appended and
 * fsynced per batch, rotated above {@code maxFileBytes}, the oldest deleted beyond {@code maxFiles}. A position is
 * a file name and the file's length before the batch; undoing a write truncates the file back to it.
 */
public final class FileSink implements MetricSink {
    private static final Pattern NAME = Pattern.compile("metrics-(\\d{8}T\\d{6}Z)-(\\d{6})\\.ndjson");
    private static final DateTimeFormatter STAMP = DateTimeFormatter.ofPattern("yyyyMMdd'T'HHmmss'Z'")
            .withZone(ZoneOffset.UTC);
    private final Path dir;
    private final long maxFileBytes;
    private final int maxFiles;
    private final Clock clock;
    private final NdjsonRows rows = new NdjsonRows();
    private FileChannel current;
    private Path currentFile;
    private int seq;

    public FileSink(Path dir, long maxFileBytes, int maxFiles, Clock clock) throws IOException {
        if (maxFileBytes < 1024) {
            throw new IllegalArgumentException("maxFileBytes " + maxFileBytes + " is below 1024");
        }
        if (maxFiles < 1) {
            throw new IllegalArgumentException("maxFiles " + maxFiles + " must be at least 1");
        }
        this.dir = Files.createDirectories(dir);
        this.maxFileBytes = maxFileBytes;
        this.maxFiles = maxFiles;
        this.clock = clock;
        List<Path> existing = files();
        if (!existing.isEmpty()) {
            Path last = existing.get(existing.size() - 1);
            Matcher m = NAME.matcher(last.getFileName().toString());
            seq = m.matches() ? Integer.parseInt(m.group(2)) : 0;
            if (Files.size(last) < maxFileBytes) {
                current = FileChannel.open(last, StandardOpenOption.WRITE, StandardOpenOption.APPEND);
                currentFile = last;
            }
        }
    }

    @Override
    public synchronized int write(AgentIdentity identity, String batchId, ExportMetricsServiceRequest batch,
            BeforeWrite beforeWrite) throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream(8192);
        int n = rows.write(identity, batchId, batch, out);
        if (current == null || current.size() >= maxFileBytes) {
            roll();
        }
        beforeWrite.at(new Position(currentFile.getFileName().toString(), current.size()));
        ByteBuffer buf = ByteBuffer.wrap(out.toByteArray());
        while (buf.hasRemaining()) {
            current.write(buf);
        }
        current.force(false);
        return n;
    }

    private void roll() throws IOException {
        if (current != null) {
            current.close();
        }
        seq = (seq + 1) % 1_000_000;
        Path next = dir.resolve("metrics-" + STAMP.format(clock.instant()) + "-" + String.format("%06d", seq) + ".ndjson");
        current = FileChannel.open(next, StandardOpenOption.CREATE, StandardOpenOption.WRITE, StandardOpenOption.APPEND);
        currentFile = next;
        List<Path> all = files();
        for (int i = 0; i < all.size() - maxFiles; i++) {
            Files.deleteIfExists(all.get(i));
        }
    }

    /** Truncates the named file back to the offset; a file deleted by rotation, or already shorter, is left alone. */
    @Override
    public synchronized long undo(Position start) throws IOException {
        if (!NAME.matcher(start.location()).matches()) {
            throw new IOException("sink position names \"" + start.location()
                    + "\", which is not a file of the sink in " + dir);
        }
        Path file = dir.resolve(start.location());
        if (current != null && file.equals(currentFile)) {
            return cut(current, start.offset());
        }
        if (!Files.exists(file)) {
            return 0;
        }
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.WRITE)) {
            return cut(ch, start.offset());
        }
    }

    private static long cut(FileChannel ch, long offset) throws IOException {
        long size = ch.size();
        if (size <= offset) {
            return 0;
        }
        ch.truncate(offset);
        ch.force(false);
        return size - offset;
    }

    private List<Path> files() throws IOException {
        List<Path> out = new ArrayList<>();
        try (Stream<Path> s = Files.list(dir)) {
            s.filter(p -> NAME.matcher(p.getFileName().toString()).matches()).sorted().forEach(out::add);
        }
        return out;
    }

    @Override
    public synchronized void close() throws IOException {
        if (current != null) {
            current.close();
            current = null;
            currentFile = null;
        }
    }
}
