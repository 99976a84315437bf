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
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A started agent collects and pushes its first batch at once, whatever its interval, and spreads the cycles after
 * it over a random phase of the interval (so a fleet restarted together does not stay in step). The classes it
 * needed only to read its config are gone by then.
 */
class FirstCycleTest {
    @TempDir
    Path dir;

    @Test
    void theFirstBatchIsPushedAtStartNotAfterAnIntervalOfAnHour() throws Exception {
        TestCa ca = new TestCa();
        try (RecordingHttpsServer gateway = RecordingHttpsServer.start(ca.server("127.0.0.1"), ca.certificate(),
                (r, i) -> RecordingHttpsServer.response(200, "OK", Map.of(), new byte[0]))) {
            Path state = Files.createDirectories(dir.resolve("state"));
            Files.setPosixFilePermissions(state, java.nio.file.attribute.PosixFilePermissions.fromString("rwx------"));
            Instant now = Instant.now();
            ca.credentials("a-00000000000000cc", "acme", now.minusSeconds(60), now.plusSeconds(86400)).store(state);
            Path config = Files.writeString(dir.resolve("agent.yaml"), "server: " + gateway.url("") + "\ningest_url: "
                    + gateway.url(WireNames.OTLP_METRICS_PATH) + "\nstate_dir: " + state + "\ninterval: 1h\n");
            Path classes = dir.resolve("classes.log");
            List<String> flags = new ArrayList<>(SickHostTest.LAUNCHER);
            flags.add("-Xlog:class+load=info,class+unload=info:file=" + classes);
            try (AgentProcess agent = AgentProcess.start(dir.resolve("logs"), flags, "run",
                    "--config", config.toString())) {
                // With a random first phase this waited up to an hour; the bound is the test's, not a goal.
                assertTrue(AgentProcess.await(() -> !gateway.requests().isEmpty() || !agent.isAlive(),
                        Duration.ofSeconds(60)), "no batch reached the gateway: " + agent.stderr());
                assertTrue(agent.isAlive(), "the agent ended: " + agent.stderr());
                assertEquals(1, gateway.requests().size(), "one batch, the next one is an hour away");
                // The config reader's YAML parser and Jackson databind were unloaded once the agent had started.
                assertTrue(AgentProcess.await(() -> read(classes).contains(
                        "unloading class com.fasterxml.jackson.databind.ObjectMapper "), Duration.ofSeconds(30)),
                        "ObjectMapper was not unloaded");
                String log = read(classes);
                assertTrue(log.contains("unloading class org.yaml.snakeyaml."), "SnakeYAML was not unloaded");
                assertFalse(log.lines().anyMatch(l -> l.contains("com.fasterxml.jackson.databind.")
                        && l.contains("source: file:")), "Jackson databind was loaded by the application");
                int exit = agent.stop();
                assertTrue(exit == 0 || exit == 143, "exit " + exit + ": " + agent.stderr());
            }
        }
    }

    private static String read(Path file) {
        try {
            return Files.exists(file) ? Files.readString(file) : "";
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    @Test
    void theSecondCycleComesHalfAnIntervalToOneAndAHalfAfterTheFirst() {
        assertEquals(5_000, AgentRuntime.secondCycleDelay(10_000, 0));
        assertEquals(14_999, AgentRuntime.secondCycleDelay(10_000, 9_999));
        assertEquals(7_500, AgentRuntime.secondCycleDelay(10_000, 2_500));
        assertEquals(0, AgentRuntime.secondCycleDelay(1, 0));
    }
}
