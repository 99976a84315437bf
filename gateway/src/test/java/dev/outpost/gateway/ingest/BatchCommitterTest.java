package dev.outpost.gateway.ingest;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.outpost.gateway.ca.AgentIdentity;
import dev.outpost.gateway.sink.FileSink;
import dev.outpost.gateway.sink.MetricSink.Position;
import dev.outpost.gateway.store.Database;
import dev.outpost.gateway.store.Watermarks;
import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.sql.Statement;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The exactly-once protocol against a real SQLite database and real sink files, across restarts. */
class BatchCommitterTest {
    static final AgentIdentity A = new AgentIdentity("acme", "a-3f9a0c1b2d4e5f60");
    static final AgentIdentity B = new AgentIdentity("acme", "a-00000000000000bb");
    static final Clock CLOCK = Clock.fixed(Instant.parse("2026-11-22T05:20:01Z"), ZoneOffset.UTC);
    @TempDir
    Path dir;
    Database db;
    FileSink sink;
    Watermarks watermarks;
    BatchCommitter committer;
    int recovered;

    @BeforeEach
    void start() throws Exception {
        db = Database.open(dir.resolve("state.db"));
        sink = new FileSink(dir.resolve("metrics"), 1 << 20, 5, CLOCK);
        watermarks = new Watermarks(db, CLOCK);
        committer = new BatchCommitter(sink, watermarks);
        recovered = committer.recover();
    }

    @AfterEach
    void stop() throws Exception {
        sink.close();
        db.close();
    }

    void restart() throws Exception {
        stop();
        start();
    }

    BatchCommitter.Outcome store(AgentIdentity id, String key) throws IOException {
        return committer.store(id, key, Wire.batch(0.5));
    }

    List<String> stored() throws IOException {
        return Wire.stored(dir.resolve("metrics"));
    }

    Path onlyFile() throws IOException {
        try (Stream<Path> s = Files.list(dir.resolve("metrics"))) {
            List<Path> files = s.toList();
            assertEquals(1, files.size(), files.toString());
            return files.get(0);
        }
    }

    @Test
    void aRetriedBatchIsStoredOnce() throws Exception {
        assertEquals(new BatchCommitter.Outcome(false, 1), store(A, "a-3f9a0c1b2d4e5f60:1"));
        assertEquals(new BatchCommitter.Outcome(false, 1), store(A, "a-3f9a0c1b2d4e5f60:2"));
        assertEquals(new BatchCommitter.Outcome(true, 0), store(A, "a-3f9a0c1b2d4e5f60:1"));
        assertEquals(new BatchCommitter.Outcome(true, 0), store(A, "a-3f9a0c1b2d4e5f60:2"));
        assertEquals(List.of("a-3f9a0c1b2d4e5f60/a-3f9a0c1b2d4e5f60:1", "a-3f9a0c1b2d4e5f60/a-3f9a0c1b2d4e5f60:2"),
                stored());
        assertEquals(2, committer.duplicates());
    }

    @Test
    void theWatermarkSurvivesARestart() throws Exception {
        store(A, "a-3f9a0c1b2d4e5f60:1700000000007");
        restart();
        assertEquals(0, recovered);
        assertTrue(store(A, "a-3f9a0c1b2d4e5f60:1700000000007").duplicate());
        assertTrue(store(A, "a-3f9a0c1b2d4e5f60:1700000000005").duplicate(), "below the watermark");
        assertEquals(new BatchCommitter.Outcome(false, 1), store(A, "a-3f9a0c1b2d4e5f60:1700000000008"));
        assertEquals(List.of("a-3f9a0c1b2d4e5f60/a-3f9a0c1b2d4e5f60:1700000000007",
                "a-3f9a0c1b2d4e5f60/a-3f9a0c1b2d4e5f60:1700000000008"), stored());
    }

    @Test
    void aWriteCutShortByAKillIsRemovedWholeAtStartAndTheRetryStoredOnce() throws Exception {
        store(A, "a-3f9a0c1b2d4e5f60:1");
        Path file = onlyFile();
        byte[] before = Files.readAllBytes(file);
        // What kill -9 in the middle of the next write leaves: PENDING recorded, part of the batch in the file.
        Position[] at = new Position[1];
        sink.write(A, "a-3f9a0c1b2d4e5f60:2", Wire.batch(0.5), start -> {
            at[0] = start;
            watermarks.begin(A.agentId(), 2, start);
        });
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.WRITE)) {
            ch.truncate(before.length + 40);
        }
        assertEquals(new Position(file.getFileName().toString(), before.length), at[0]);

        restart();
        assertEquals(1, recovered);
        assertArrayEquals(before, Files.readAllBytes(file), "the file ends exactly at the recorded offset");
        assertEquals(new BatchCommitter.Outcome(false, 1), store(A, "a-3f9a0c1b2d4e5f60:2"));
        assertEquals(List.of("a-3f9a0c1b2d4e5f60/a-3f9a0c1b2d4e5f60:1", "a-3f9a0c1b2d4e5f60/a-3f9a0c1b2d4e5f60:2"),
                stored());
        restart();
        assertEquals(0, recovered, "PENDING was cleared");
        assertTrue(store(A, "a-3f9a0c1b2d4e5f60:2").duplicate());
    }

    @Test
    void aWriteWhoseCommitFailsIsUndoneAndTheRetryStoredOnce() throws Exception {
        store(A, "a-3f9a0c1b2d4e5f60:1");
        byte[] before = Files.readAllBytes(onlyFile());
        db.inTransaction(c -> {
            try (Statement s = c.createStatement()) {
                return s.execute("CREATE TRIGGER refuse BEFORE INSERT ON ingest_watermarks WHEN NEW.seq = 2 "
                        + "BEGIN SELECT RAISE(ABORT, 'refused by the test'); END");
            }
        });
        IOException e = assertThrows(IOException.class, () -> store(A, "a-3f9a0c1b2d4e5f60:2"));
        assertTrue(e.getMessage().contains("refused by the test"), e.getMessage());
        assertArrayEquals(before, Files.readAllBytes(onlyFile()), "the written batch was taken back");

        db.inTransaction(c -> {
            try (Statement s = c.createStatement()) {
                return s.execute("DROP TRIGGER refuse");
            }
        });
        assertEquals(new BatchCommitter.Outcome(false, 1), store(A, "a-3f9a0c1b2d4e5f60:2"));
        assertEquals(List.of("a-3f9a0c1b2d4e5f60/a-3f9a0c1b2d4e5f60:1", "a-3f9a0c1b2d4e5f60/a-3f9a0c1b2d4e5f60:2"),
                stored());
        restart();
        assertEquals(0, recovered);
    }

    @Test
    void keysNamingAnotherAgentAndBatchesWithoutAKeyAreStoredEveryTime() throws Exception {
        store(A, "a-00000000000000bb:5");
        store(A, "a-00000000000000bb:5");
        store(A, "");
        store(A, "");
        store(A, "not-a-key");
        assertEquals(new BatchCommitter.Outcome(false, 1), store(B, "a-00000000000000bb:5"),
                "A's claim did not move B's watermark");
        assertTrue(store(B, "a-00000000000000bb:5").duplicate());
        assertEquals(List.of("a-3f9a0c1b2d4e5f60/a-00000000000000bb:5", "a-3f9a0c1b2d4e5f60/a-00000000000000bb:5",
                "a-3f9a0c1b2d4e5f60/", "a-3f9a0c1b2d4e5f60/", "a-3f9a0c1b2d4e5f60/not-a-key",
                "a-00000000000000bb/a-00000000000000bb:5"), stored());
    }

    @Test
    void keysAreAgentColonDecimalSequence() {
        assertEquals(new BatchKey("a-3f9a0c1b2d4e5f60", 42), BatchKey.parse("a-3f9a0c1b2d4e5f60:42"));
        assertEquals(new BatchKey("a-3f9a0c1b2d4e5f60", Long.MAX_VALUE),
                BatchKey.parse("a-3f9a0c1b2d4e5f60:" + Long.MAX_VALUE));
        for (String bad : new String[] {"", "42", ":42", "a-1:", "a-1:-3", "a-1:4x", "a-1:9223372036854775808",
                "a-1:00000000000000000001"}) {
            assertEquals(null, BatchKey.parse(bad), bad);
        }
    }
}
