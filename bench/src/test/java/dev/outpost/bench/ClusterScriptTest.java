package dev.outpost.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.zip.GZIPOutputStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * bench/cluster.sh: its arguments, and its count of what the file sinks hold. A run starts PostgreSQL, HAProxy and
 * three gateway JVMs, more than a default test should take: it is a benchmark (README, "Several gateways").
 */
class ClusterScriptTest {
    private static final Path REPO = Path.of("..").toAbsolutePath().normalize();
    private static final Path SCRIPT = REPO.resolve("bench/cluster.sh");

    @Test
    void answersHelpRefusesBadArgumentsAndIsShellcheckClean(@TempDir Path dir) throws Exception {
        FleetScriptTest.Result help = FleetScriptTest.run(dir, SCRIPT.toString(), "--help");
        assertEquals(0, help.exit(), help.output());
        assertTrue(help.output().startsWith("Usage: bench/cluster.sh"), help.output());
        FleetScriptTest.Result agents = FleetScriptTest.run(dir, SCRIPT.toString(), "--agents", "many");
        assertEquals(64, agents.exit(), agents.output());
        assertTrue(agents.output().contains("--agents \"many\" is not a whole number"), agents.output());
        FleetScriptTest.Result stores = FleetScriptTest.run(dir, SCRIPT.toString(), "--stores", "sqlite:2");
        assertEquals(64, stores.exit(), stores.output());
        assertTrue(stores.output().contains("\"sqlite:2\" is not sqlite:1, postgresql:1 or postgresql:2"),
                stores.output());
        FleetScriptTest.Result interval = FleetScriptTest.run(dir, SCRIPT.toString(), "--failover", "--interval",
                "1s");
        assertEquals(64, interval.exit(), interval.output());
        assertTrue(interval.output().contains("--interval \"1s\" is not a number"), interval.output());
        FleetScriptTest.Result lint = FleetScriptTest.run(dir, "shellcheck", "-x", SCRIPT.toString());
        assertEquals(0, lint.exit(), lint.output());
    }

    /**
     * Two gateways' file sinks in the documented layout (gzip members, one resource line per batch, metric lines
     * with the same key): a batch in both sinks is stored twice, a batch in neither is lost, metric lines and other
     * agents' batches do not count.
     */
    @Test
    void countsLostBatchesAndBatchesStoredTwiceAcrossTheSinks(@TempDir Path dir) throws Exception {
        Path a = dir.resolve("gw1");
        Path b = dir.resolve("gw2");
        sink(a, "metrics-20261202T100000Z-000001.ndjson.gz", "a-1", 100, 101, 102);
        sink(a, "metrics-20261202T100500Z-000002.ndjson.gz", "a-2", 7);
        sink(b, "metrics-20261202T100001Z-000001.ndjson.gz", "a-1", 102, 103, 105);
        sink(b, "metrics-20261202T100002Z-000002.ndjson.gz", "a-other", 1, 2);
        ClusterBenchmark.Sinks s = ClusterBenchmark.sinks(List.of(a, b), Map.of("a-1", new long[] {100, 106},
                "a-2", new long[] {7, 8}));
        assertEquals(new ClusterBenchmark.Sinks(7, 6, 1, 1), s);
    }

    private static void sink(Path gateway, String file, String agent, long... seqs) throws IOException {
        Path org = Files.createDirectories(gateway.resolve("metrics/fleet"));
        try (OutputStream out = new GZIPOutputStream(Files.newOutputStream(org.resolve(file)))) {
            for (long q : seqs) {
                String head = "{\"time\":\"2026-12-02T10:00:00Z\",\"org\":\"fleet\",\"agent\":\"" + agent
                        + "\",\"host\":\"bench\",\"batch\":\"" + agent + ":" + q + "\",";
                out.write((head + "\"resource\":{\"host.name\":\"bench\"}}\n" + head
                        + "\"metric\":\"system.cpu.time\",\"kind\":\"sum\",\"points\":[{\"value\":1}]}\n")
                        .getBytes(StandardCharsets.UTF_8));
            }
        }
    }
}
