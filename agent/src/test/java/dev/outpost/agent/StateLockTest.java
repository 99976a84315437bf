package dev.outpost.agent;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class StateLockTest {
    @TempDir
    Path dir;

    @Test
    void aSecondAgentOnTheSameStateDirectoryIsToldWhoHoldsIt() throws Exception {
        long pid = ProcessHandle.current().pid();
        try (StateLock first = StateLock.acquire(dir)) {
            assertEquals(pid + "\n", Files.readString(dir.resolve("agent.lock")));
            StateLock.HeldException e = assertThrows(StateLock.HeldException.class, () -> StateLock.acquire(dir));
            assertEquals("another outpost-agent (pid " + pid + ") is running with the state directory " + dir
                    + "; stop it first, or give this one its own state_dir", e.getMessage());
        }
        StateLock.acquire(dir).close(); // released: free again
    }
}
