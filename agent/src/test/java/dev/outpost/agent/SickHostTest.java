package dev.outpost.agent;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.outpost.agent.tls.TestCa;
import dev.outpost.agent.transport.RecordingHttpsServer;
import dev.outpost.wire.WireNames;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The agent as a process, with the launcher's small heap, on a host in trouble: a full state file system at start,
 * a config file of some megabytes. It keeps running where it can and says plainly what is wrong.
 */
class SickHostTest {
    /** The launcher's memory flags (packaging/bin/outpost-agent). */
    static final List<String> LAUNCHER = List.of("-Xms6m", "-Xmx16m", "-Xmn2m", "-XX:MinHeapFreeRatio=10",
            "-XX:MaxHeapFreeRatio=30", "-Xss256k", "-XX:+UseSerialGC",
            "-XX:MaxDirectMemorySize=16m", "-XX:+ExitOnOutOfMemoryError");

    @TempDir
    Path dir;

    @Test
    void onAFullStateDiskTheAgentStartsPushesFromMemoryAndQueuesOnceThereIsRoom() throws Exception {
        TestCa ca = new TestCa();
        try (Tmpfs fs = Tmpfs.mount(dir.resolve("state"), "2m");
                RecordingHttpsServer gateway = RecordingHttpsServer.start(ca.server("127.0.0.1"), ca.certificate(),
                        (r, i) -> RecordingHttpsServer.response(200, "OK", Map.of(), new byte[0]))) {
            Path state = fs.path();
            Instant now = Instant.now();
            ca.credentials("a-00000000000000bb", "acme", now.minusSeconds(60), now.plusSeconds(86400)).store(state);
            Path config = Files.writeString(dir.resolve("agent.yaml"), "server: " + gateway.url("") + "\ningest_url: "
                    + gateway.url(WireNames.OTLP_METRICS_PATH) + "\nstate_dir: " + state + "\ninterval: 1s\n"
                    + "queue:\n  min_free_bytes: 0\n"); // so that the disk fills up: the minimum has its own test
            Path filler = fs.fill("filler");
            try (AgentProcess agent = AgentProcess.start(dir.resolve("logs"), LAUNCHER, "run", "--config",
                    config.toString())) {
                assertTrue(AgentProcess.await(() -> gateway.requests().size() >= 3 || !agent.isAlive(),
                        Duration.ofSeconds(60)), "no batch reached the gateway: " + agent.stderr());
                assertTrue(agent.isAlive(), "the agent ended: " + agent.stderr());
                String err = agent.stderr();
                assertEquals(1, count(err, "cannot take batches: its file system is full (No space left on device); "
                        + "free space there (`df -h " + state.resolve("queue") + "`)"), err);
                assertFalse(err.contains("Exception") || err.contains("\tat "), "no stack trace: " + err);

                Files.delete(filler);
                assertTrue(AgentProcess.await(() -> agent.stderr().contains("the disk queue in " + state.resolve("queue")
                        + " takes batches again"), Duration.ofSeconds(30)), agent.stderr());
                int sent = gateway.requests().size();
                assertTrue(AgentProcess.await(() -> gateway.requests().size() > sent + 1, Duration.ofSeconds(30)));
                int exit = agent.stop();
                assertTrue(exit == 0 || exit == 143, "exit " + exit + ": " + agent.stderr());
            }
            List<Long> keys = gateway.requests().stream().map(r -> Long.parseLong(r.header(
                    WireNames.IDEMPOTENCY_KEY_HEADER).split(":")[1])).toList();
            for (int i = 1; i < keys.size(); i++) {
                assertTrue(keys.get(i) > keys.get(i - 1), "keys only grow: " + keys);
            }
            assertTrue(Files.exists(state.resolve("status.json")), "written once there was room");
        }
    }

    @Test
    void aConfigFileOfSomeMegabytesIsAConfigurationErrorNotAnOutOfMemoryRestartLoop() throws Exception {
        Path big = Files.writeString(dir.resolve("agent.yaml"), "server: https://gateway.example.com:8443\n"
                + "labels:\n" + "  team: db\n".repeat(1) + "# padding\n".repeat(400_000));
        AgentProcess p = AgentProcess.run(dir.resolve("logs"), LAUNCHER, "check-config", "--config", big.toString());
        assertEquals(78, p.exitCode(), p.stderr());
        assertTrue(p.stderr().contains(big + ": larger than 65536 bytes, the most a config file may be (it is "
                + Files.size(big) + " bytes;"), p.stderr());
    }

    static int count(String text, String part) {
        int n = 0;
        for (int i = text.indexOf(part); i >= 0; i = text.indexOf(part, i + 1)) {
            n++;
        }
        return n;
    }
}
