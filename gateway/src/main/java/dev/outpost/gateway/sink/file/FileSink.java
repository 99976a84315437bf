package dev.outpost.gateway.sink.file;

import dev.outpost.gateway.config.FileSinkConfig;
import dev.outpost.gateway.ingest.StampedBatch;
import dev.outpost.gateway.sink.Delivery;
import dev.outpost.gateway.sink.MetricSink;
import dev.outpost.gateway.sink.SinkUnavailableException;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The default sink: NDJSON files per org ({@code DIR/<org>/metrics-<UTC time>-<seq>.ndjson.gz}), appended per
 * delivery (one gzip member per org and delivery) and fsynced before agents are answered. A file is rotated by size
 * and by age. Retention deletes whole files: older than {@code max_age}; beyond an org's {@code max_org_bytes};
 * and beyond {@code max_total_bytes} or {@code max_files} in all, always from the org holding the most bytes, so an
 * org that floods evicts its own data first, never another org's below its share. A position is an org-relative
 * file name and the file's length before the delivery; undoing a write truncates the file back to it.
 */
public final class FileSink implements MetricSink {
    private static final Logger LOG = LoggerFactory.getLogger("outpost.gateway.sink");
    private final FileSinkConfig config;
    private final Clock clock;
    private final SinkFiles files;
    private final Map<String, Writer> writers = new HashMap<>();
    private final NdjsonWriter ndjson = new NdjsonWriter();
    /** Writers of the I/O threads that render batches as they arrive ({@link #prepare}). */
    private final ThreadLocal<NdjsonWriter> renderers = ThreadLocal.withInitial(NdjsonWriter::new);
    private final GzipMember gzip;
    private final Block text = new Block(1 << 16);
    private final ByteArrayOutputStream packed = new ByteArrayOutputStream(1 << 14);
    private long deletedFiles;

    /** The open file of one org. */
    private static final class Writer {
        final FileChannel channel;
        final SinkFiles.Entry entry;

        Writer(FileChannel channel, SinkFiles.Entry entry) {
            this.channel = channel;
            this.entry = entry;
        }
    }

    /** A byte stream whose bytes are read in place. */
    private static final class Block extends ByteArrayOutputStream {
        Block(int size) {
            super(size);
        }

        /** The buffer; its first {@link #size()} bytes are the text. */
        byte[] array() {
            return buf;
        }
    }

    /** @param dir the sink directory, already resolved against the gateway directory */
    public FileSink(Path dir, FileSinkConfig config, Clock clock) throws IOException {
        this.config = Objects.requireNonNull(config, "config");
        this.clock = Objects.requireNonNull(clock, "clock");
        this.files = new SinkFiles(dir);
        this.gzip = config.compression() == FileSinkConfig.Compression.GZIP ? new GzipMember(1) : null;
    }

    @Override
    public String name() {
        return "file";
    }

    /** Renders the batch's NDJSON lines on the I/O thread that read it; the delivery only copies them. */
    @Override
    public void prepare(StampedBatch batch) {
        try {
            batch.prepare(renderers.get().render(batch));
        } catch (IOException e) {
            throw new java.io.UncheckedIOException("rendering batch " + batch.batchId() + " as NDJSON failed", e);
        }
    }

    @Override
    public synchronized Delivery deliver(List<StampedBatch> batches, BeforeWrite beforeWrite)
            throws SinkUnavailableException {
        Map<String, List<StampedBatch>> byOrg = new LinkedHashMap<>();
        for (StampedBatch b : batches) {
            byOrg.computeIfAbsent(b.identity().org(), k -> new ArrayList<>()).add(b);
        }
        try {
            Instant now = clock.instant();
            List<byte[]> blocks = new ArrayList<>(byOrg.size());
            List<Writer> targets = new ArrayList<>(byOrg.size());
            List<Position> starts = new ArrayList<>(byOrg.size());
            for (Map.Entry<String, List<StampedBatch>> e : byOrg.entrySet()) {
                blocks.add(encode(e.getValue()));
                Writer w = writer(e.getKey(), now);
                targets.add(w);
                starts.add(new Position(location(w.entry), w.channel.size()));
            }
            beforeWrite.at(starts);
            for (int i = 0; i < targets.size(); i++) {
                ByteBuffer buf = ByteBuffer.wrap(blocks.get(i));
                while (buf.hasRemaining()) {
                    targets.get(i).channel.write(buf);
                }
            }
            for (Writer w : targets) {
                w.channel.force(false);
                files.resize(w.entry, w.channel.size());
            }
            return Delivery.allStored(batches.size());
        } catch (IOException e) {
            throw new SinkUnavailableException("disk", "writing to " + files.dir() + " failed: " + e.getMessage(),
                    null, e);
        }
    }

    private byte[] encode(List<StampedBatch> batches) throws IOException {
        text.reset();
        ndjson.write(batches, text);
        if (gzip == null) {
            return text.toByteArray();
        }
        packed.reset();
        gzip.compress(text.array(), text.size(), packed); // from the buffer itself: a group's text is not copied
        return packed.toByteArray();
    }

    /** The open file of {@code org}, a new one when there is none or it is full or old. */
    private Writer writer(String org, Instant now) throws IOException {
        Writer w = writers.get(org);
        if (w != null && (w.channel.size() >= config.maxFileBytes()
                || !now.isBefore(w.entry.started.plus(config.maxFileAge())))) {
            closeWriter(org);
            w = null;
        }
        if (w == null) {
            Path path = files.next(org, now, gzip != null);
            FileChannel ch = FileChannel.open(path, StandardOpenOption.CREATE, StandardOpenOption.WRITE,
                    StandardOpenOption.APPEND);
            SinkFiles.Entry entry = new SinkFiles.Entry(org, path, ch.size(), now);
            files.add(entry);
            w = new Writer(ch, entry);
            writers.put(org, w);
        }
        return w;
    }

    private void closeWriter(String org) throws IOException {
        Writer w = writers.remove(org);
        if (w != null) {
            w.channel.close();
        }
    }

    private String location(SinkFiles.Entry e) {
        return e.org.isEmpty() ? e.path.getFileName().toString() : e.org + "/" + e.path.getFileName();
    }

    /** Truncates the named file back to the offset; a file deleted by retention, or already shorter, is left alone. */
    @Override
    public synchronized long undo(Position start) throws IOException {
        Path file = resolve(start.location());
        Writer open = null;
        for (Writer w : writers.values()) {
            if (w.entry.path.equals(file)) {
                open = w;
            }
        }
        if (open != null) {
            long removed = cut(open.channel, start.offset());
            files.resize(open.entry, open.channel.size());
            return removed;
        }
        if (!Files.exists(file)) {
            return 0;
        }
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.WRITE)) {
            long removed = cut(ch, start.offset());
            SinkFiles.Entry e = files.find(file);
            if (e != null) {
                files.resize(e, ch.size());
            }
            return removed;
        }
    }

    /** The file a position names; refuses anything that is not a sink file name (the state database is input). */
    private Path resolve(String location) throws IOException {
        int slash = location.indexOf('/');
        String org = slash < 0 ? SinkFiles.LEGACY : location.substring(0, slash);
        String name = location.substring(slash + 1);
        if (!SinkFiles.NAME.matcher(name).matches() || !org.isEmpty() && !SinkFiles.ORG.matcher(org).matches()) {
            throw new IOException("sink position names \"" + location + "\", which is not a file of the sink in "
                    + files.dir());
        }
        return org.isEmpty() ? files.dir().resolve(name) : files.dir().resolve(org).resolve(name);
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

    /** Applies retention: age, bytes per org, bytes and files in all. Never throws. */
    @Override
    public synchronized void maintain() {
        try {
            Instant now = clock.instant();
            if (!config.maxAge().isZero()) {
                // A file is written to for at most max_file_age after it was started (then it is rotated).
                Instant cutoff = now.minus(config.maxAge()).minus(config.maxFileAge());
                for (String org : files.orgs()) {
                    for (SinkFiles.Entry e = files.oldest(org); e != null && e.started.isBefore(cutoff);
                            e = files.oldest(org)) {
                        delete(e, "older than max_age " + dev.outpost.wire.Durations.format(config.maxAge()));
                    }
                }
            }
            if (config.maxOrgBytes() > 0) {
                for (String org : files.orgs()) {
                    while (files.orgBytes(org) > config.maxOrgBytes() && files.oldest(org) != null) {
                        delete(files.oldest(org), "org " + org + " is above max_org_bytes " + config.maxOrgBytes());
                    }
                }
            }
            while ((files.total() > config.maxTotalBytes() || files.count() > config.maxFiles())
                    && files.largest() != null) {
                String org = files.largest();
                delete(files.oldest(org), "the sink is above max_total_bytes " + config.maxTotalBytes()
                        + " or max_files " + config.maxFiles() + " and org \"" + org + "\" holds the most");
            }
        } catch (IOException | RuntimeException e) {
            LOG.warn("sink: retention failed, will retry: {}", e.toString());
        }
    }

    private void delete(SinkFiles.Entry e, String why) throws IOException {
        Writer w = writers.get(e.org);
        if (w != null && w.entry == e) {
            closeWriter(e.org);
        }
        files.delete(e);
        deletedFiles++;
        LOG.info("sink: deleted {} ({} bytes): {}", e.path, e.size, why);
    }

    /** Bytes the sink's files hold, as far as it knows. */
    public synchronized long bytes() {
        return files.total();
    }

    /** Files deleted by retention since start. */
    public synchronized long deletedFiles() {
        return deletedFiles;
    }

    @Override
    public synchronized void close() throws IOException {
        for (String org : List.copyOf(writers.keySet())) {
            closeWriter(org);
        }
        if (gzip != null) {
            gzip.close();
        }
    }
}
