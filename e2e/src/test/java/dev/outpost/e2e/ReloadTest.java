package dev.outpost.e2e;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** SIGHUP reloads the agent's configuration without a restart; an invalid one is refused and the old one kept. */
class ReloadTest {
    @TempDir
    Path root;

    @Test
    void hangupAppliesAValidConfigAndRefusesAnInvalidOne() throws Exception {
        try (Gateway gateway = Gateway.start(root)) {
            Path dir = Files.createDirectories(root.resolve("agent"));
            Path token = dir.resolve("token");
            Files.writeString(token, gateway.createToken("reload", 1));
            Path config = dir.resolve("agent.yaml");
            String base = "server: " + gateway.estUrl() + "\ningest_url: " + gateway.ingestUrl() + "\nstate_dir: "
                    + dir.resolve("state") + "\n";
            Files.writeString(config, base + "interval: 1s\n");
            Proc.Result enroll = Proc.run("outpost-agent", gateway.logs, "reload-enroll", Map.of(), "enroll",
                    "--config", config.toString(), "--ca-sha256", gateway.pin, "--token-file", token.toString());
            assertEquals(0, enroll.exit(), enroll.toString());
            String agentId = enroll.out().replaceAll("(?s).*enrolled as (a-[0-9a-f]{16}).*", "$1");
            try (Proc agent = Proc.start("outpost-agent", gateway.logs, "reload-run", Map.of(), "run", "--config",
                    config.toString())) {
                Proc.await(() -> rootFilesystemRows(gateway, agentId, 0) > 0, Duration.ofSeconds(60),
                        "rows for / from the agent");
                if (hangupIgnoredHere()) {
                    // Started under nohup (or by a parent ignoring SIGHUP): the agent inherits the ignored signal,
                    // which the JVM will not take over; it must say so instead of ignoring kill -HUP silently.
                    agent.awaitLog(Pattern.compile("SIGHUP is ignored in this process"), Duration.ofSeconds(10));
                    Assumptions.abort("SIGHUP is ignored by whatever started these tests (nohup?), so the agent "
                            + "cannot be sent one; it logged that it ignores it");
                }

                Files.writeString(config, base + "interval: 0s\n");
                hangup(agent);
                agent.awaitLog(Pattern.compile("configuration reload refused; the running configuration is kept:\\s+"
                        + Pattern.quote(config + ":4: interval: \"0s\" is out of range")), Duration.ofSeconds(60));
                long before = sequences(gateway, agentId).size();
                Proc.await(() -> sequences(gateway, agentId).size() > before + 1, Duration.ofSeconds(20),
                        "batches still arriving after a refused reload");

                Files.writeString(config, base + "interval: 1s\ncollect:\n  filesystems:\n"
                        + "    exclude_mount_points: [\"/\"]\n");
                hangup(agent);
                agent.awaitLog(Pattern.compile("configuration reloaded: every 1s"), Duration.ofSeconds(60));
                long from = new ObjectMapper().readTree(dir.resolve("state/status.json").toFile())
                        .path("nextSequence").asLong();
                Proc.await(() -> sequences(gateway, agentId).last() >= from + 2, Duration.ofSeconds(30),
                        "batches collected after the reload");
                assertEquals(0, rootFilesystemRows(gateway, agentId, from), "/ is no longer reported");
                assertTrue(agent.process.isAlive(), "reloading never restarted the agent");
                Proc.Result status = Proc.run("outpost-agent", gateway.logs, "reload-status", Map.of(), "status",
                        "--config", config.toString());
                assertEquals(0, status.exit(), status.toString());
                assertTrue(status.out().contains("daemon:       running, pid " + agent.pid()), status.out());
                Proc.Result json = Proc.run("outpost-agent", gateway.logs, "reload-status-json", Map.of(), "status",
                        "--config", config.toString(), "--json");
                JsonNode s = new ObjectMapper().readTree(json.out());
                assertEquals(agentId, s.path("agentId").asText());
                assertEquals("running", s.path("state").asText());
                assertTrue(s.path("batchesSent").asLong() > 0, json.out());
                assertEquals(0, agent.stop());
            }
        }
    }

    /** Whether this JVM (and so every process it starts) has SIGHUP ignored: bit 0 of SigIgn in /proc. */
    static boolean hangupIgnoredHere() throws java.io.IOException {
        for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
            if (line.startsWith("SigIgn:")) {
                return (Long.parseLong(line.substring(7).trim(), 16) & 1) != 0;
            }
        }
        return false;
    }

    static void hangup(Proc p) throws Exception {
        assertEquals(0, new ProcessBuilder("kill", "-HUP", Long.toString(p.pid())).start().waitFor());
    }

    static java.util.TreeSet<Long> sequences(Gateway gateway, String agentId) {
        try {
            return SinkBatches.of(gateway, agentId).sequences;
        } catch (Exception e) {
            return new java.util.TreeSet<>(java.util.List.of(0L));
        }
    }

    /** Rows of system.filesystem.usage for mount point / in batches with a sequence of at least {@code from}. */
    static long rootFilesystemRows(Gateway gateway, String agentId, long from) {
        long n = 0;
        try {
            ObjectMapper json = new ObjectMapper();
            for (String line : gateway.sinkLines()) {
                JsonNode row = json.readTree(line);
                String batch = row.path("batch").asText();
                if (row.path("agent").asText().equals(agentId)
                        && row.path("metric").asText().equals("system.filesystem.usage")
                        && row.path("attributes").path("mountpoint").asText().equals("/")
                        && Long.parseLong(batch.substring(batch.indexOf(':') + 1)) >= from) {
                    n++;
                }
            }
        } catch (Exception e) {
            return -1;
        }
        return n;
    }
}
