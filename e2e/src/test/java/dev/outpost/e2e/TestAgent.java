package dev.outpost.e2e;

import static org.junit.jupiter.api.Assertions.assertEquals;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;

/** An agent enrolled at a gateway in {@code root/name}, at a 1 s interval with short backoffs, run as a process. */
final class TestAgent {
    final Gateway gateway;
    final Path dir;
    final Path config;
    final String id;
    Proc proc;
    int runs;

    TestAgent(Gateway gateway, Path root, String name, String org, String extraConfig) throws Exception {
        this.gateway = gateway;
        dir = root.resolve(name);
        Files.createDirectories(dir);
        Path token = dir.resolve("token");
        Files.writeString(token, gateway.createToken(org, 1));
        config = dir.resolve("agent.yaml");
        Files.writeString(config, "server: " + gateway.estUrl() + "\ningest_url: " + gateway.ingestUrl()
                + "\nstate_dir: " + dir.resolve("state") + "\ninterval: 1s\n"
                + "push:\n  backoff_initial: 200ms\n  backoff_max: 2s\n  retry_after_max: 3s\n" + extraConfig);
        Proc.Result r = Proc.run("outpost-agent", gateway.logs, name + "-enroll", Map.of(), "enroll", "--config",
                config.toString(), "--ca-sha256", gateway.pin, "--token-file", token.toString());
        assertEquals(0, r.exit(), r.toString());
        id = r.out().replaceAll("(?s).*enrolled as (a-[0-9a-f]{16}).*", "$1");
    }

    void start() throws Exception {
        proc = Proc.start("outpost-agent", gateway.logs, dir.getFileName() + "-run-" + (++runs), Map.of(), "run",
                "--config", config.toString());
        Proc.await(() -> Files.exists(dir.resolve("state/status.json")), Duration.ofSeconds(30), "status.json");
    }

    void kill() throws Exception {
        proc.process.destroyForcibly();
        proc.process.waitFor();
    }

    JsonNode status() throws Exception {
        return new ObjectMapper().readTree(dir.resolve("state/status.json").toFile());
    }

    long firstSequence() throws Exception {
        Proc.await(() -> {
            try {
                return status().path("nextSequence").asLong() > 0;
            } catch (Exception e) {
                return false;
            }
        }, Duration.ofSeconds(30), "first status");
        return status().path("nextSequence").asLong();
    }

    /** Waits until the file sink holds at least {@code batches} of this agent's batches. */
    void awaitStored(int batches) throws Exception {
        Proc.await(() -> {
            try {
                return SinkBatches.of(gateway, id).sequences.size() >= batches;
            } catch (Exception e) {
                return false;
            }
        }, Duration.ofSeconds(60), batches + " batches of " + id + " in the sink");
    }

    /** SIGTERM once the queue is empty (bounded), so every batch written has been sent. */
    void drainAndStop() throws Exception {
        Proc.await(() -> {
            try {
                return status().path("queueBatches").asLong() == 0 && status().path("lastPushResult").asText()
                        .startsWith("ACCEPTED");
            } catch (Exception e) {
                return false;
            }
        }, Duration.ofSeconds(60), "the queue of " + id + " to drain");
        assertEquals(0, proc.stop());
    }
}
