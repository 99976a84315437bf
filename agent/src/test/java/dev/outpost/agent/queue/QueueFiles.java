package dev.outpost.agent.queue;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.Arrays;
import java.util.List;
import java.util.stream.Collectors;
import java.util.stream.Stream;

/** What the tests do to the queue's files from outside: list, copy as a crash would leave them, damage. */
final class QueueFiles {
    static final int HEADER = 28;

    private QueueFiles() {
    }

    /** A recognisable payload: {@code size} bytes derived from {@code n}. */
    static byte[] payload(int n, int size) {
        byte[] b = new byte[size];
        for (int i = 0; i < size; i++) {
            b[i] = (byte) (n * 31 + i * 7);
        }
        return b;
    }

    /** The segment files in name (= sequence) order. */
    static List<Path> segments(Path dir) throws IOException {
        try (Stream<Path> s = Files.list(dir)) {
            return s.filter(p -> p.getFileName().toString().matches("seg-\\d{20}\\.q")).sorted()
                    .collect(Collectors.toList());
        }
    }

    /** Every file name in the directory, sorted. */
    static List<String> names(Path dir) throws IOException {
        try (Stream<Path> s = Files.list(dir)) {
            return s.map(p -> p.getFileName().toString()).sorted().collect(Collectors.toList());
        }
    }

    /** Copies the directory as it is now, as a process killed at this moment would leave it. */
    static Path snapshot(Path dir, Path to) throws IOException {
        Files.createDirectories(to);
        try (Stream<Path> s = Files.list(dir)) {
            for (Path p : (Iterable<Path>) s::iterator) {
                Files.copy(p, to.resolve(p.getFileName()), StandardCopyOption.COPY_ATTRIBUTES);
            }
        }
        return to;
    }

    static void flipByte(Path file, long offset) throws IOException {
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.READ, StandardOpenOption.WRITE)) {
            ByteBuffer b = ByteBuffer.allocate(1);
            assertEquals(1, ch.read(b, offset));
            b.put(0, (byte) (b.get(0) ^ 0x5A)).rewind();
            ch.write(b, offset);
        }
    }

    static void putInt(Path file, long offset, int value) throws IOException {
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.WRITE)) {
            ch.write(ByteBuffer.allocate(4).putInt(0, value), offset);
        }
    }

    static void truncate(Path file, long size) throws IOException {
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.WRITE)) {
            ch.truncate(size);
        }
    }

    /** The sequence numbers of the records. */
    static long[] seqs(List<DiskQueue.Record> records) {
        return records.stream().mapToLong(DiskQueue.Record::seq).toArray();
    }

    static void assertPayloads(List<byte[]> expected, List<DiskQueue.Record> actual) {
        assertEquals(expected.size(), actual.size(), "number of records");
        for (int i = 0; i < expected.size(); i++) {
            if (!Arrays.equals(expected.get(i), actual.get(i).payload())) {
                throw new AssertionError("payload of record " + i + " (seq " + actual.get(i).seq() + ") differs");
            }
        }
    }
}
