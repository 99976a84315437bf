package dev.outpost.e2e;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
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

    TestAgent agent(String name, String extraConfig) throws Exception {
        return new TestAgent(gateway, root, name, "chaos", extraConfig);
    }

    @Test
    void everyQueuedBatchIsStoredExactlyOnceThroughRestartsKillsAnd503s() throws Exception {
        TestAgent agent = agent("steady", "");
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
        TestAgent agent = agent("bounded", "queue:\n  max_bytes: 65536\n  min_free_bytes: 0\n");
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
