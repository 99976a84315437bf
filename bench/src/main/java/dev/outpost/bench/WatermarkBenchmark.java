package dev.outpost.bench;

import dev.outpost.gateway.sink.MetricSink.Position;
import dev.outpost.gateway.store.Database;
import dev.outpost.gateway.store.LocalPostgres;
import dev.outpost.gateway.store.Watermarks;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * What the state store costs ingest: each gateway's pipeline stores groups of batches one after the other, and per
 * group reads the agents' watermarks (on PostgreSQL taking their locks), records the writes in progress and commits
 * the new marks. This runs that sequence as fast as it goes, one pipeline per gateway (each gateway with agents of
 * its own), on SQLite and on PostgreSQL with one and two gateways, for groups of 1 batch (a quiet gateway) and of
 * 100 (a busy one). The sink's own fsync is not included. Prints figures; asserts nothing.
 */
public final class WatermarkBenchmark {
    private WatermarkBenchmark() {
    }

    public static void main(String[] args) throws Exception {
        double seconds = args.length > 0 ? Double.parseDouble(args[0]) : 5;
        Path root = Files.createTempDirectory("outpost-watermark-bench");
        LocalPostgres pg = LocalPostgres.get();
        if (pg == null) {
            System.out.println("PostgreSQL rows skipped: " + LocalPostgres.unavailable());
        }
        System.out.printf("%-12s %9s %12s %10s %10s %12s%n", "store", "gateways", "group size", "groups/s",
                "batches/s", "ms/group");
        int run = 0;
        for (int group : new int[] {1, 100}) {
            row("sqlite", group, seconds, List.of(Database.open(root.resolve("state-" + (run++) + ".db"))));
            if (pg != null) {
                for (int gateways : new int[] {1, 2}) {
                    row("postgresql", group, seconds, pg.gateways(gateways));
                }
            }
        }
    }

    private static void row(String store, int group, double seconds, List<Database> gateways) throws Exception {
        long deadline = System.nanoTime() + (long) (seconds * 1e9);
        long[] groups = new long[gateways.size()];
        List<Thread> threads = new ArrayList<>();
        long t0 = System.nanoTime();
        for (int g = 0; g < gateways.size(); g++) {
            int me = g;
            Watermarks w = new Watermarks(gateways.get(g), Clock.systemUTC(), "gateway-" + g);
            Thread t = new Thread(() -> {
                try {
                    long seq = 0;
                    while (System.nanoTime() < deadline) {
                        seq++;
                        List<String> agents = new ArrayList<>(group);
                        List<Position> starts = new ArrayList<>(group);
                        Map<String, Watermarks.Mark> marks = new HashMap<>();
                        for (int i = 0; i < group; i++) {
                            String agent = "a-" + me + "-" + i;
                            agents.add(agent);
                            starts.add(new Position("bench/f", seq * group + i));
                            marks.put(agent, new Watermarks.Mark(seq, seq * 1000));
                        }
                        w.of(agents);
                        List<Watermarks.Pending> pending = w.begin(starts);
                        w.commit(pending, marks);
                        groups[me]++;
                    }
                } catch (Exception e) {
                    System.out.println("  failed: " + e);
                }
            }, "pipeline-" + g);
            threads.add(t);
            t.start();
        }
        for (Thread t : threads) {
            t.join();
        }
        double elapsed = (System.nanoTime() - t0) / 1e9;
        long total = java.util.Arrays.stream(groups).sum();
        System.out.printf("%-12s %9d %12d %10.0f %10.0f %12.2f%n", store, gateways.size(), group, total / elapsed,
                total * group / elapsed, 1000.0 * elapsed * gateways.size() / Math.max(1, total));
        for (Database db : gateways) {
            db.close();
        }
    }
}
