package dev.outpost.agent.queue;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Reads a segment file at start-up and indexes its whole records. A torn tail of the last segment is cut; a
 * record whose checksum fails but whose length leads to the next record (or the end) is skipped; a length that
 * leads nowhere cuts the rest of the segment. Only I/O errors throw, never corrupt content.
 */
final class SegmentScanner {
    private static final Logger LOG = LoggerFactory.getLogger(SegmentScanner.class);
    private static final byte[] RECORD_START = {0x4F, 0x51, 0, 0};

    /**
     * What the scan found: the indexed segment, the bytes cut off its end, and how many corrupt places were
     * skipped or cut (a torn tail of the last segment is not counted as corrupt).
     */
    record Result(Segment segment, long cutBytes, int corrupt) {
    }

    private SegmentScanner() {
    }

    /** Scans every segment file in {@code dir}, oldest first; damage found is logged. */
    static List<Result> scanAll(Path dir) throws IOException {
        List<Path> files = new ArrayList<>();
        try (DirectoryStream<Path> entries = Files.newDirectoryStream(dir)) {
            entries.forEach(p -> {
                if (Segment.firstSeqOf(p).isPresent() && Files.isRegularFile(p)) {
                    files.add(p);
                }
            });
        }
        files.sort(null); // 20 zero-padded digits: name order is sequence order
        List<Result> results = new ArrayList<>();
        try {
            for (int i = 0; i < files.size(); i++) {
                Path file = files.get(i);
                Result r = scan(file, Segment.firstSeqOf(file).orElseThrow(), i == files.size() - 1);
                results.add(r);
                if (r.corrupt() > 0 || r.cutBytes() > 0) {
                    LOG.warn("queue segment {}: skipped {} corrupt record(s), cut {} byte(s) off its end", file,
                            r.corrupt(), r.cutBytes());
                }
            }
            for (int i = 0; i < results.size() - 1; i++) {
                results.get(i).segment().release(); // only the newest stays open; the others open when read
            }
        } catch (IOException | RuntimeException e) {
            try {
                Segment.closeAll(results.stream().map(Result::segment).toList());
            } catch (IOException c) {
                e.addSuppressed(c);
            }
            throw e;
        }
        return results;
    }

    /** Scans {@code file}; {@code last} says whether it is the newest segment, the one a crash can tear. */
    static Result scan(Path file, long firstSeq, boolean last) throws IOException {
        FileChannel ch = FileChannel.open(file, StandardOpenOption.READ, StandardOpenOption.WRITE);
        try {
            return scan(file, firstSeq, last, ch);
        } catch (IOException | RuntimeException e) {
            try {
                ch.close();
            } catch (IOException c) {
                e.addSuppressed(c);
            }
            throw e;
        }
    }

    private static Result scan(Path file, long firstSeq, boolean last, FileChannel ch) throws IOException {
        long fileSize = ch.size();
        Segment segment = new Segment(file, firstSeq, ch);
        long pos = 0;
        int corrupt = 0;
        ByteBuffer head = ByteBuffer.allocate(RecordCodec.HEADER);
        while (pos < fileSize) {
            head.clear();
            if (pos > Integer.MAX_VALUE) {
                corrupt++; // beyond any offset a segment of ours reaches
                break;
            }
            if (!Segment.readAt(ch, head, pos)) {
                corrupt += last ? 0 : 1; // an incomplete header: a torn tail if in the last segment
                break;
            }
            RecordCodec.Header h = RecordCodec.header(head.flip());
            long end = pos + h.recordSize();
            if (h.length() > RecordCodec.MAX_PAYLOAD || end > fileSize) {
                corrupt += last && h.wellFormed() ? 0 : 1; // runs past the end: torn if it looks like a record
                break;
            }
            byte[] bytes = new byte[(int) h.recordSize()];
            if (!Segment.readAt(ch, ByteBuffer.wrap(bytes), pos)) {
                break; // the file shrank under us; cut what is no longer there
            }
            if (h.wellFormed() && RecordCodec.checksumMatches(bytes, bytes.length)) {
                segment.index().add(h.seq(), h.created(), pos, bytes.length);
            } else if (last && end == fileSize) {
                break; // the newest record of all, written only in part: a torn tail
            } else if (nextRecordStarts(ch, end, fileSize)) {
                corrupt++; // damaged, but its length leads to the next record: skip just this one
            } else {
                corrupt++; // the length leads into the middle of something: nothing after it can be trusted
                break;
            }
            pos = end;
        }
        long cut = fileSize - pos;
        if (cut > 0) {
            ch.truncate(pos);
            ch.force(false);
        }
        segment.endAt(pos);
        return new Result(segment, cut, corrupt);
    }

    /** True if the end of the file or the first bytes of a record (as many as the file has) follow at {@code end}. */
    private static boolean nextRecordStarts(FileChannel ch, long end, long fileSize) throws IOException {
        int n = (int) Math.min(RECORD_START.length, fileSize - end);
        ByteBuffer next = ByteBuffer.allocate(n);
        if (!Segment.readAt(ch, next, end)) {
            return false;
        }
        for (int i = 0; i < n; i++) {
            if (next.get(i) != RECORD_START[i]) {
                return false;
            }
        }
        return true;
    }
}
