package dev.outpost.gateway.ingest;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.outpost.gateway.MutableClock;
import dev.outpost.gateway.ca.AgentIdentity;
import dev.outpost.gateway.ingest.IngestPipeline.Result;
import dev.outpost.gateway.ingest.IngestPipeline.Status;
import dev.outpost.gateway.sink.MetricSink.Position;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.sql.Statement;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Group commit and the exactly-once rules against a real SQLite database and real sink files, across restarts. */
class IngestPipelineTest {
    static final AgentIdentity A = new AgentIdentity("acme", "a-3f9a0c1b2d4e5f60");
    static final AgentIdentity B = new AgentIdentity("acme", "a-00000000000000bb");
    final MutableClock clock = new MutableClock(Instant.parse("2026-11-22T05:20:01Z"));
    @TempDir
    Path dir;
    TestPipeline p;

    @BeforeEach
    void start() throws Exception {
        p = new TestPipeline(dir, clock);
    }

    @AfterEach
    void stop() throws Exception {
        p.close();
    }

    void restart() throws Exception {
        stop();
        start();
    }

    Result store(AgentIdentity id, String key) throws Exception {
        return p.store(id, key, Wire.batch(0.5));
    }

    List<String> stored() throws Exception {
        return Wire.stored(dir.resolve("metrics"));
    }

    Path onlyFile() throws Exception {
        try (Stream<Path> s = Files.walk(dir.resolve("metrics"))) {
            List<Path> files = s.filter(Files::isRegularFile).toList();
            assertEquals(1, files.size(), files.toString());
            return files.get(0);
        }
    }

    @Test
    void aRetriedBatchIsStoredOnceAndTheAgentIsToldItsWatermark() throws Exception {
        assertEquals(new Result(Status.STORED, 1, 0, null, 0, null), store(A, "a-3f9a0c1b2d4e5f60:1"));
        assertEquals(new Result(Status.STORED, 2, 0, null, 0, null), store(A, "a-3f9a0c1b2d4e5f60:2"));
        assertEquals(new Result(Status.DUPLICATE, 2, 0, null, 0, null), store(A, "a-3f9a0c1b2d4e5f60:1"));
        assertEquals(Status.DUPLICATE, store(A, "a-3f9a0c1b2d4e5f60:2").status());
        assertEquals(List.of("a-3f9a0c1b2d4e5f60/a-3f9a0c1b2d4e5f60:1", "a-3f9a0c1b2d4e5f60/a-3f9a0c1b2d4e5f60:2"),
                stored());
        assertEquals(2, p.stats.duplicates.sum());
    }

    @Test
    void theWatermarkSurvivesARestart() throws Exception {
        store(A, "a-3f9a0c1b2d4e5f60:1700000000007");
        restart();
        assertEquals(0, p.recovered);
        assertEquals(Status.DUPLICATE, store(A, "a-3f9a0c1b2d4e5f60:1700000000007").status());
        assertEquals(Status.DUPLICATE, store(A, "a-3f9a0c1b2d4e5f60:1700000000005").status(), "below the watermark");
        assertEquals(Status.STORED, store(A, "a-3f9a0c1b2d4e5f60:1700000000008").status());
        assertEquals(List.of("a-3f9a0c1b2d4e5f60/a-3f9a0c1b2d4e5f60:1700000000007",
                "a-3f9a0c1b2d4e5f60/a-3f9a0c1b2d4e5f60:1700000000008"), stored());
    }

    @Test
    void sequencesReusedWithNewerDataAreStoredNotDroppedAsDuplicates() throws Exception {
        // A state directory restored from a snapshot sends sequence 5 again, but with data collected later.
        long t = Wire.TIME;
        assertEquals(Status.STORED, p.store(A, "a-3f9a0c1b2d4e5f60:5", Wire.batchAt(t, 1)).status());
        assertEquals(Status.STORED, p.store(A, "a-3f9a0c1b2d4e5f60:6", Wire.batchAt(t + 10_000_000_000L, 1)).status());
        Result reused = p.store(A, "a-3f9a0c1b2d4e5f60:5", Wire.batchAt(t + 3_600_000_000_000L, 2));
        assertEquals(new Result(Status.STORED, 6, 0, null, 0, null), reused, "stored; the watermark tells the agent");
        assertEquals(Status.DUPLICATE, p.store(A, "a-3f9a0c1b2d4e5f60:5", Wire.batchAt(t + 3_600_000_000_000L, 2))
                .status(), "and its retry is a duplicate");
        assertEquals(Status.DUPLICATE, p.store(A, "a-3f9a0c1b2d4e5f60:6", Wire.batchAt(t + 10_000_000_000L, 1))
                .status(), "an old retry still is one");
        assertEquals(3, stored().size());
    }

    @Test
    void manyAgentsBatchesShareADeliveryAndEachIsStoredOnce() throws Exception {
        List<CompletableFuture<Result>> results = new ArrayList<>();
        for (int agent = 0; agent < 50; agent++) {
            AgentIdentity id = new AgentIdentity(agent % 2 == 0 ? "acme" : "globex",
                    String.format("a-%016x", agent + 1));
            for (int seq = 1; seq <= 20; seq++) {
                results.add(p.submit(id, id.agentId() + ":" + seq, Wire.batchAt(Wire.TIME + seq * 1_000_000L, seq)));
            }
        }
        for (CompletableFuture<Result> r : results) {
            assertEquals(Status.STORED, r.get(10, TimeUnit.SECONDS).status());
        }
        assertEquals(1000, stored().size());
        assertTrue(p.stats.groups.sum() < 1000, "batches share deliveries: " + p.stats.groups.sum() + " groups");
        try (Stream<Path> orgs = Files.list(dir.resolve("metrics"))) {
            assertEquals(List.of("acme", "globex"), orgs.map(o -> o.getFileName().toString()).sorted().toList(),
                    "one directory per org");
        }
    }

    @Test
    void aWriteCutShortByAKillIsRemovedWholeAtStartAndTheRetryStoredOnce() throws Exception {
        store(A, "a-3f9a0c1b2d4e5f60:1");
        Path file = onlyFile();
        byte[] before = Files.readAllBytes(file);
        // What kill -9 in the middle of the next delivery leaves: PENDING recorded, part of its bytes in the file.
        p.watermarks.begin(List.of(new Position("acme/" + file.getFileName(), before.length)));
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.WRITE, StandardOpenOption.APPEND)) {
            ch.write(java.nio.ByteBuffer.wrap(new byte[] {0x1f, (byte) 0x8b, 8, 0, 1, 2, 3}));
        }
        restart();
        assertEquals(1, p.recovered);
        assertArrayEquals(before, Files.readAllBytes(file), "the file ends exactly at the recorded offset");
        assertEquals(Status.STORED, store(A, "a-3f9a0c1b2d4e5f60:2").status());
        assertEquals(List.of("a-3f9a0c1b2d4e5f60/a-3f9a0c1b2d4e5f60:1", "a-3f9a0c1b2d4e5f60/a-3f9a0c1b2d4e5f60:2"),
                stored());
        restart();
        assertEquals(0, p.recovered, "PENDING was cleared");
        assertEquals(Status.DUPLICATE, store(A, "a-3f9a0c1b2d4e5f60:2").status());
    }

    @Test
    void aDeliveryWhoseCommitFailsIsUndoneAnsweredUnavailableAndTheRetryStoredOnce() throws Exception {
        store(A, "a-3f9a0c1b2d4e5f60:1");
        byte[] before = Files.readAllBytes(onlyFile());
        p.db.inTransaction(c -> {
            try (Statement s = c.createStatement()) {
                return s.execute("CREATE TRIGGER refuse BEFORE INSERT ON ingest_watermarks WHEN NEW.seq = 2 "
                        + "BEGIN SELECT RAISE(ABORT, 'refused by the test'); END");
            }
        });
        Result failed = store(A, "a-3f9a0c1b2d4e5f60:2");
        assertEquals(Status.UNAVAILABLE, failed.status());
        assertTrue(failed.retryAfterSeconds() >= 1, "with a Retry-After");
        assertArrayEquals(before, Files.readAllBytes(onlyFile()), "the written batch was taken back");

        p.db.inTransaction(c -> {
            try (Statement s = c.createStatement()) {
                return s.execute("DROP TRIGGER refuse");
            }
        });
        assertEquals(Status.UNAVAILABLE, store(A, "a-3f9a0c1b2d4e5f60:2").status(),
                "answered at once while the backoff runs");
        clock.advance(java.time.Duration.ofSeconds(2));
        assertEquals(Status.STORED, store(A, "a-3f9a0c1b2d4e5f60:2").status(), "stored once the backoff is over");
        assertEquals(List.of("a-3f9a0c1b2d4e5f60/a-3f9a0c1b2d4e5f60:1", "a-3f9a0c1b2d4e5f60/a-3f9a0c1b2d4e5f60:2"),
                stored());
        restart();
        assertEquals(0, p.recovered);
    }

    @Test
    void keysNamingAnotherAgentAndBatchesWithoutAKeyAreStoredEveryTime() throws Exception {
        store(A, "a-00000000000000bb:5");
        store(A, "a-00000000000000bb:5");
        store(A, "");
        store(A, "");
        store(A, "not-a-key");
        assertEquals(Status.STORED, store(B, "a-00000000000000bb:5").status(), "A's claim did not move B's watermark");
        assertEquals(Status.DUPLICATE, store(B, "a-00000000000000bb:5").status());
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
