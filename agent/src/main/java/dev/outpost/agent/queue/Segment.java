package dev.outpost.agent.queue;

import dev.outpost.wire.SecureFiles;
import java.io.Closeable;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Instant;
import java.util.Arrays;
import java.util.EnumSet;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * One append-only segment file, {@code seg-<20-digit first seq>.q}, and the {@link RecordIndex} of its whole
 * records. Its file is open only while needed, so a large queue of many segments holds few descriptors.
 */
final class Segment implements Closeable {
    private static final Pattern NAME = Pattern.compile("seg-(\\d{20})\\.q");

    private final Path path;
    private final long firstSeq;
    private final RecordIndex index = new RecordIndex();
    private FileChannel channel;
    private boolean closed;
    private long size;

    /** A segment on {@code channel} (or on none yet: it opens when first needed). */
    Segment(Path path, long firstSeq, FileChannel channel) {
        this.path = path;
        this.firstSeq = firstSeq;
        this.channel = channel;
    }

    /** Creates an empty segment whose name records {@code firstSeq}, durable once this returns. */
    static Segment create(Path dir, long firstSeq) throws IOException {
        Path file = dir.resolve(String.format("seg-%020d.q", firstSeq));
        FileChannel ch = FileChannel.open(file, EnumSet.of(StandardOpenOption.CREATE_NEW, StandardOpenOption.READ,
                StandardOpenOption.WRITE), PosixFilePermissions.asFileAttribute(SecureFiles.OWNER_ONLY));
        try (FileChannel d = FileChannel.open(dir, StandardOpenOption.READ)) {
            d.force(true);
        } catch (IOException | RuntimeException e) {
            ch.close();
            throw e;
        }
        return new Segment(file, firstSeq, ch);
    }

    /** The first sequence number encoded in a segment file name, if {@code file} is named like one. */
    static Optional<Long> firstSeqOf(Path file) {
        Matcher m = NAME.matcher(file.getFileName().toString());
        return m.matches() ? Optional.of(Long.parseLong(m.group(1))) : Optional.empty();
    }

    /** Writes and fsyncs one encoded record at the end; on failure the file is cut back to its previous end. */
    void append(ByteBuffer record, long seq, long createdMillis) throws IOException {
        long start = size;
        int length = record.remaining();
        try {
            FileChannel ch = channel();
            long pos = start;
            while (record.hasRemaining()) {
                pos += ch.write(record, pos);
            }
            ch.force(false);
        } catch (IOException e) {
            try {
                channel().truncate(start).force(false);
            } catch (IOException t) {
                e.addSuppressed(t);
            }
            throw e;
        }
        size = start + length;
        index.add(seq, createdMillis, start, length);
    }

    /** Where the next record goes, as found by a scan: after the last whole or skipped record. */
    void endAt(long end) {
        size = end;
    }

    /** Reads record {@code i}; empty if its bytes no longer match their checksum. */
    Optional<DiskQueue.Record> read(int i) throws IOException {
        byte[] bytes = new byte[index.sizeAt(i)];
        if (!readAt(channel(), ByteBuffer.wrap(bytes), index.offsetAt(i))
                || RecordCodec.header(ByteBuffer.wrap(bytes)).seq() != index.seqAt(i)
                || !RecordCodec.checksumMatches(bytes, bytes.length)) {
            return Optional.empty();
        }
        byte[] payload = Arrays.copyOfRange(bytes, RecordCodec.HEADER, bytes.length);
        return Optional.of(new DiskQueue.Record(index.seqAt(i), Instant.ofEpochMilli(index.createdAt(i)), payload));
    }

    /** Fills {@code buf} from {@code pos}; false if the file ends first. */
    static boolean readAt(FileChannel ch, ByteBuffer buf, long pos) throws IOException {
        long p = pos;
        while (buf.hasRemaining()) {
            int n = ch.read(buf, p);
            if (n < 0) {
                return false;
            }
            p += n;
        }
        return true;
    }

    RecordIndex index() {
        return index;
    }

    /** The highest sequence number this segment accounts for, at least {@code firstSeq - 1}. */
    long lastSeq() {
        int n = index.count();
        return n == 0 ? firstSeq - 1 : Math.max(firstSeq - 1, index.seqAt(n - 1));
    }

    /** Bytes of whole records (and skipped corrupt ones) in the file. */
    long size() {
        return size;
    }

    Path path() {
        return path;
    }

    /** Closes the file until it is needed again. */
    void release() throws IOException {
        if (channel != null) {
            channel.close();
        }
    }

    /** Closes and removes the file. */
    void delete() throws IOException {
        close();
        Files.deleteIfExists(path);
    }

    @Override
    public void close() throws IOException {
        closed = true;
        release();
    }

    /** Closes every segment, even if closing one fails. */
    static void closeAll(Iterable<Segment> segments) throws IOException {
        IOException failure = null;
        for (Segment s : segments) {
            try {
                s.close();
            } catch (IOException e) {
                failure = e;
            }
        }
        if (failure != null) {
            throw failure;
        }
    }

    /** The channel, opened again after {@link #release()} or after an interrupt closed it (as Java NIO does). */
    private FileChannel channel() throws IOException {
        if ((channel == null || !channel.isOpen()) && !closed) {
            channel = FileChannel.open(path, StandardOpenOption.READ, StandardOpenOption.WRITE);
            channel.truncate(size); // a write an interrupt cut short may have left part of a record
        }
        return channel;
    }
}
