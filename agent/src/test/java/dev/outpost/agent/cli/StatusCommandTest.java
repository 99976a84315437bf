package dev.outpost.agent.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.outpost.agent.status.AgentStatus;
import dev.outpost.agent.status.StatusFile;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Clock;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** What {@code status} says about a queue held in memory, the disk's trouble and moved batch keys. */
class StatusCommandTest {
    @TempDir
    Path state;

    String status(long held, String problem, long offset) throws Exception {
        new StatusFile(state).write(new AgentStatus("a-00000000000000dd", "acme", "https://gw:8443",
                "https://gw:4318/v1/metrics", "2026-12-03T00:00:00Z", "running", null, -1, "2026-12-02T00:00:00Z",
                null, "none yet", null, 0, 0, 7, 4096, 20, 0, 0, 0, 0, 1_795_324_800_123L, null, 0, held, problem,
                offset));
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        assertEquals(0, new AgentCli(new PrintStream(out, true, StandardCharsets.UTF_8), System.err, Map.of(),
                Clock.systemUTC()).run("status", "--state-dir", state.toString()));
        return out.toString(StandardCharsets.UTF_8);
    }

    @Test
    void aHealthyQueueSaysNothingMore() throws Exception {
        String s = status(0, null, 0);
        assertTrue(s.contains("queue:        7 batches, 4096 bytes on disk, oldest 20 s\n"), s);
        assertTrue(s.contains("retries:      0; next batch sequence 1795324800123\n"), s);
        assertTrue(!s.contains("disk:"), s);
    }

    @Test
    void batchesHeldInMemoryTheDisksTroubleAndMovedKeysAreShown() throws Exception {
        String s = status(3, "its file system is full (No space left on device); free space there", 5000);
        assertTrue(s.contains("queue:        7 batches, 4096 bytes on disk, oldest 20 s; 3 of them held in memory "
                + "only\n"), s);
        assertTrue(s.contains("disk:         the queue cannot write: its file system is full (No space left on device);"
                + " free space there\n"), s);
        assertTrue(s.contains("retries:      0; next batch sequence 1795324800123, sent with key 1795324805123 (keys "
                + "are the sequence + 5000: the gateway had stored these sequence numbers before)\n"), s);
    }
}
