package dev.outpost.agent;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.outpost.agent.tls.TestCa;
import dev.outpost.agent.transport.RecordingHttpsServer;
import dev.outpost.wire.WireNames;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A started agent collects and pushes its first batch at once, whatever its interval, and spreads the cycles after
 * it over a random phase of the interval (so a fleet restarted together does not stay in step).
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
            try (AgentProcess agent = AgentProcess.start(dir.resolve("logs"), SickHostTest.LAUNCHER, "run",
                    "--config", config.toString())) {
                // With a random first phase this waited up to an hour; the bound is the test's, not a goal.
                assertTrue(AgentProcess.await(() -> !gateway.requests().isEmpty() || !agent.isAlive(),
                        Duration.ofSeconds(60)), "no batch reached the gateway: " + agent.stderr());
                assertTrue(agent.isAlive(), "the agent ended: " + agent.stderr());
                assertEquals(1, gateway.requests().size(), "one batch, the next one is an hour away");
                int exit = agent.stop();
                assertTrue(exit == 0 || exit == 143, "exit " + exit + ": " + agent.stderr());
            }
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
