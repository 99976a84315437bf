package dev.outpost.agent.status;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** status.json as the daemon writes it by hand reads back whole, with Jackson as `status` and scripts read it. */
class StatusFileTest {
    @TempDir
    Path state;

    @Test
    void everyFieldAndAwkwardTextReadBackUnchanged() throws Exception {
        AgentStatus written = new AgentStatus("a-00000000000000dd", "acme", "https://gw:8443",
                "https://gw:4318/v1/metrics", "2026-12-03T00:00:00Z", "refused",
                "quote \" backslash \\ newline \n tab \t bell \u0007 nul \u0000 line sep \u2028 é 日本", 4242,
                "2026-12-02T00:00:00Z", null, "503 Service Unavailable", null, 1, 2, 3, 4, 5, 6, 7, 8, 9,
                Long.MAX_VALUE, "2026-12-02T12:00:00Z", Long.MIN_VALUE, 11, null, -5000);
        StatusFile file = new StatusFile(state);
        file.write(written);
        assertEquals(written, file.read());
        JsonNode tree = new ObjectMapper().readTree(Files.readString(state.resolve(StatusFile.NAME)));
        assertEquals(27, tree.size(), tree.toString());
        assertTrue(tree.get("lastSuccess").isNull(), tree.toString());
        assertEquals(Long.MAX_VALUE, tree.get("nextSequence").asLong());
    }
}
