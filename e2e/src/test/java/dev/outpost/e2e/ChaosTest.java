package dev.outpost.e2e;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;

/**
 * Never lose a batch: an agent at a 1 s interval while the gateway is stopped, killed, restarted and put into
 * maintenance (503 + Retry-After), and while the agent itself is killed with SIGKILL and restarted. Every batch
 * the agent wrote to its queue must be in the sink exactly once; an outage longer than the queue's bound drops
 * only the oldest batches, exactly as many as the agent reports.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class ChaosTest {
    @TempDir
    static Path root;
    Gateway gateway;

    @BeforeAll
    void startGateway() throws Exception {
        gateway = Gateway.start(root);
    }

    @AfterAll
    void stopGateway() throws Exception {
        gateway.close();
    }

    /** An enrolled agent whose config points at the gateway's current ports. */
    final class Agent {
        final Path dir;
        final Path config;
        final String id;
        Proc proc;
        int runs;

        Agent(String name, String extraConfig) throws Exception {
            dir = root.resolve(name);
            Files.createDirectories(dir);
            Path token = dir.resolve("token");
            Files.writeString(token, gateway.createToken("chaos", 1));
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

    @Test
    void everyQueuedBatchIsStoredExactlyOnceThroughRestartsKillsAnd503s() throws Exception {
        Agent agent = new Agent("steady", "");
        agent.start();
        long first = agent.firstSequence();
        agent.awaitStored(3);

        gateway.stop(false);                       // a planned gateway restart
        Thread.sleep(3000);
        gateway.serve(gateway.estPort, gateway.ingestPort);
        agent.awaitStored(6);

        gateway.restart(true);                     // the gateway killed mid-flight
        agent.awaitStored(9);

        Files.writeString(gateway.dir.resolve("maintenance"), "2"); // 503 with Retry-After: 2
        Thread.sleep(4000);
        Files.delete(gateway.dir.resolve("maintenance"));
        agent.awaitStored(12);

        for (int i = 0; i < 3; i++) {              // the agent killed, three times
            agent.kill();
            agent.start();
            Thread.sleep(1500);
        }
        gateway.restart(true);
        agent.awaitStored(18);
        agent.drainAndStop();

        JsonNode status = agent.status();
        long last = status.path("nextSequence").asLong() - 1;
        SinkBatches sink = SinkBatches.of(gateway, agent.id);
        assertEquals(List.of(), sink.duplicates, "no batch stored twice");
        assertEquals(0, status.path("droppedQueueFull").asLong());
        assertEquals(List.of(), sink.missing(first, last), "every batch from " + first + " to " + last);
        assertEquals(first, sink.sequences.first());
        assertEquals(last, sink.sequences.last());
        assertTrue(status.path("retries").asLong() > 0, "the outages were seen: " + status);
    }

    @Test
    void anOutageLongerThanTheQueueBoundDropsOnlyTheOldestAndCountsThem() throws Exception {
        Agent agent = new Agent("bounded", "queue:\n  max_bytes: 65536\n  min_free_bytes: 0\n");
        agent.start();
        long first = agent.firstSequence();
        agent.awaitStored(2);

        // The outage: the gateway answers 503 to everything, so nothing is stored while the queue overflows.
        Path maintenance = gateway.dir.resolve("maintenance");
        Files.writeString(maintenance, "1");
        Thread.sleep(1500);
        long beforeOutage = SinkBatches.of(gateway, agent.id).sequences.last();
        Proc.await(() -> {
            try {
                return agent.status().path("droppedQueueFull").asLong() >= 5;
            } catch (Exception e) {
                return false;
            }
        }, Duration.ofSeconds(90), "the queue of " + agent.id + " to overflow");
        Files.delete(maintenance);
        agent.awaitStored(5);
        Thread.sleep(2000);
        agent.drainAndStop();

        JsonNode status = agent.status();
        long dropped = status.path("droppedQueueFull").asLong();
        long last = status.path("nextSequence").asLong() - 1;
        SinkBatches sink = SinkBatches.of(gateway, agent.id);
        List<Long> missing = sink.missing(first, last);
        assertEquals(List.of(), sink.duplicates);
        assertEquals(dropped, missing.size(), "missing " + missing + ", reported dropped " + dropped);
        long oldestKeptAfterOutage = missing.get(missing.size() - 1) + 1;
        assertEquals(beforeOutage + 1, missing.get(0).longValue(), "drops start right after the last stored batch");
        assertEquals(missing.get(0) + missing.size() - 1, missing.get(missing.size() - 1).longValue(),
                "the dropped batches are one contiguous run: the oldest of the outage");
        assertTrue(sink.sequences.contains(oldestKeptAfterOutage), "then everything newer arrived");
    }
}
