package dev.outpost.bench;

import dev.outpost.agent.config.PushConfig;
import dev.outpost.gateway.store.LocalPostgres;
import dev.outpost.wire.CaPin;
import dev.outpost.wire.EnrollmentToken;
import io.netty.channel.EventLoop;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.nio.NioIoHandler;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.zip.GZIPInputStream;

/**
 * The several-gateways benchmark (bench/cluster.sh runs it). Every gateway is a real process through the packaged
 * launcher; PostgreSQL is the tests' {@link LocalPostgres}; two gateways sit behind a real HAProxy with the
 * repository's {@code config/haproxy.cfg} (on loopback ports, otherwise as shipped: health check every 2 s).
 * <ul>
 * <li>{@code table}: per store and gateway count, enrollments/s over EST (through the balancer when two) and ingest
 * in closed loop (each simulated agent sends its next batch as soon as the previous is answered), then counts what
 * the file sinks hold.</li>
 * <li>{@code failover}: N agents push one batch every interval through HAProxy to two gateways on PostgreSQL; one
 * gateway is killed with SIGKILL; prints per agent the gap from its last batch answered 200 before the kill to the
 * first answered 200 after, the reconnects per second, and what the sinks hold (lost and stored twice).</li>
 * </ul>
 * Exit 0, 1 when a batch was lost or stored twice, 2 when a gateway died on its own, 64 for bad arguments.
 */
public final class ClusterBenchmark {
    private static final Pattern BATCH = Pattern.compile("\"batch\":\"([^\"]*):(\\d+)\"");

    private final Path repo;
    private final Path root;
    private final String haproxy;
    private final int clkTck;
    private final int agentCount;
    private final List<AutoCloseable> running = new ArrayList<>();
    private boolean died;

    private ClusterBenchmark(Map<String, List<String>> o) {
        this.repo = Path.of(FleetBenchmark.one(o, "repo", null));
        this.root = Path.of(FleetBenchmark.one(o, "dir", null));
        this.haproxy = FleetBenchmark.one(o, "haproxy", "/usr/sbin/haproxy");
        this.clkTck = FleetBenchmark.intOpt(o, "clk-tck", 100);
        this.agentCount = FleetBenchmark.intOpt(o, "agents", 200);
    }

    public static void main(String[] args) throws Exception {
        if (args.length == 0 || !List.of("table", "failover").contains(args[0])) {
            System.err.println("usage: ClusterBenchmark table|failover --repo DIR --dir DIR [options] "
                    + "(bench/cluster.sh --help)");
            System.exit(64);
        }
        Map<String, List<String>> o = FleetBenchmark.options(args);
        ClusterBenchmark b = new ClusterBenchmark(o);
        // SIGTERM (the script's cleanup) stops the gateways and HAProxy too; LocalPostgres has its own hook.
        Runtime.getRuntime().addShutdownHook(new Thread(b::stopAll, "cluster-stop"));
        int rc;
        try {
            rc = args[0].equals("table") ? b.table(o) : b.failover(o);
        } finally {
            b.stopAll();
        }
        System.exit(rc);
    }

    /** One store and gateway count: the gateways, the balancer when two, and where the agents connect. */
    private final class Cluster implements AutoCloseable {
        final String store;
        final List<BenchGateway> gateways = new ArrayList<>();
        final Path dir;
        Process balancer;
        int estPort;
        int ingestPort;
        long pgPid;
        /** CPU ms per timed enrollment: the gateways', PostgreSQL's. */
        double[] enrollCpu = {Double.NaN, Double.NaN};

        Cluster(String store, int count) throws Exception {
            this.store = store;
            this.dir = Files.createDirectories(root.resolve(store + "-" + count));
            Map<String, String> env = new HashMap<>(Map.of(
                    // A bench's clients all come from 127.0.0.1: the per-address limits would stop them.
                    "OUTPOST_GATEWAY_EST_RATE_LIMITS_ADDRESS_REQUESTS_PER_SECOND", "0",
                    "OUTPOST_GATEWAY_EST_RATE_LIMITS_ORG_REQUESTS_PER_SECOND", "0",
                    "OUTPOST_GATEWAY_EST_CONNECTIONS_MAX_PER_ADDRESS", "2000",
                    "OUTPOST_GATEWAY_INGEST_CONNECTIONS_MAX", Integer.toString(agentCount + 1000),
                    "OUTPOST_GATEWAY_INGEST_CONNECTIONS_MAX_PER_ADDRESS", Integer.toString(agentCount + 1000),
                    "OUTPOST_GATEWAY_INGEST_CONNECTIONS_IDLE_TIMEOUT", "1h"));
            if (store.equals("postgresql")) {
                LocalPostgres pg = LocalPostgres.get();
                if (pg == null) {
                    throw new IOException(LocalPostgres.unavailable());
                }
                pgPid = pg.pid();
                env.putAll(Map.of("OUTPOST_GATEWAY_STATE_TYPE", "postgresql",
                        "OUTPOST_GATEWAY_STATE_POSTGRESQL_URL", pg.url(pg.newDatabase()),
                        "OUTPOST_GATEWAY_STATE_POSTGRESQL_USER", LocalPostgres.ADMIN,
                        "OUTPOST_GATEWAY_STATE_POSTGRESQL_PASSWORD_FILE",
                        pg.passwordFile(Files.createDirectories(dir.resolve("secrets"))).toString()));
            }
            running.add(this);
            BenchGateway first = BenchGateway.init(repo, dir, "gw1", env);
            gateways.add(first);
            first.serve(0, 0);
            for (int g = 2; g <= count; g++) {
                BenchGateway other = first.join(dir, "gw" + g);
                gateways.add(other);
                other.serve(0, 0);
            }
            if (count == 1) {
                estPort = first.estPort;
                ingestPort = first.ingestPort;
            } else {
                startBalancer();
            }
            System.out.printf("  %s, %d gateway%s: %s%s%n", store, count, count == 1 ? "" : "s",
                    gateways.stream().map(g -> g.name + " pid " + g.pid() + " EST :" + g.estPort + " ingest :"
                            + g.ingestPort).toList(), balancer == null ? "" : "; HAProxy pid " + balancer.pid()
                            + " EST :" + estPort + " ingest :" + ingestPort);
        }

        /** HAProxy with the repository's config/haproxy.cfg, on loopback ports and these gateways. */
        private void startBalancer() throws Exception {
            estPort = freePort();
            ingestPort = freePort();
            String text = Files.readString(repo.resolve("config/haproxy.cfg"))
                    .replace("bind :8443", "bind 127.0.0.1:" + estPort)
                    .replace("bind :4318", "bind 127.0.0.1:" + ingestPort)
                    .replace("maxconn 40000", "maxconn " + (agentCount + 2000));
            String[] est = {"server gw1 10.0.0.11:8443", "server gw2 10.0.0.12:8443"};
            String[] ingest = {"server gw1 10.0.0.11:4318", "server gw2 10.0.0.12:4318"};
            for (int g = 0; g < 2; g++) {
                text = text.replace(est[g], "server gw" + (g + 1) + " 127.0.0.1:" + gateways.get(g).estPort)
                        .replace(ingest[g], "server gw" + (g + 1) + " 127.0.0.1:" + gateways.get(g).ingestPort);
            }
            Path cfg = dir.resolve("haproxy.cfg");
            Files.writeString(cfg, text);
            balancer = new ProcessBuilder(haproxy, "-db", "-f", cfg.toString()).redirectErrorStream(true)
                    .redirectOutput(dir.resolve("logs/haproxy.log").toFile()).start();
            long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
            while (!(listening(estPort) && listening(ingestPort))) {
                if (!balancer.isAlive() || System.nanoTime() > end) {
                    throw new IOException("HAProxy did not listen within 30 s; see " + dir.resolve("logs/haproxy.log"));
                }
                Thread.sleep(100);
            }
        }

        List<Path> gatewayDirs() {
            return gateways.stream().map(g -> g.dir).toList();
        }

        long[] gatewayPids() {
            return gateways.stream().filter(BenchGateway::alive).mapToLong(BenchGateway::pid).toArray();
        }

        /**
         * Enrolls the agents over EST (through the balancer when two gateways), after {@code concurrency} untimed
         * ones that warm the gateways' JIT up; returns enrollments/s.
         */
        double enroll(int concurrency) throws Exception {
            EnrollmentToken token = EnrollmentToken.parse(gateways.get(0).token(agentCount + concurrency));
            // The warm-up enrollments: as many as run at once.
            URI est = URI.create("https://127.0.0.1:" + estPort);
            CaPin pin = CaPin.parse(gateways.get(0).pin);
            FleetAgents.enroll(dir.resolve("warm-up-agents"), est, pin, token, concurrency, concurrency);
            ProcProbe gw = new ProcProbe(clkTck, gatewayPids());
            ProcProbe pg = new ProcProbe(clkTck, pgPid);
            double gw0 = gw.cpuMillis();
            double pg0 = pgPid == 0 ? 0 : pg.cpuMillis();
            double rate = FleetAgents.enroll(dir.resolve("agents"), est, pin, token, agentCount, concurrency);
            enrollCpu = new double[] {(gw.cpuMillis() - gw0) / agentCount,
                (pgPid == 0 ? Double.NaN : pg.cpuMillis() - pg0) / agentCount};
            return rate;
        }

        ClusterLoad load(EventLoop loop, PushConfig push, int inFlight, double interval) throws Exception {
            Path agents = dir.resolve("agents");
            return new ClusterLoad(new InetSocketAddress("127.0.0.1", ingestPort),
                    FleetAgents.loadIfValid(agents, agentCount, Duration.ZERO), FleetAgents.trust(agents), batch,
                    loop, push, inFlight, interval, System.currentTimeMillis());
        }

        /** Stops the gateways (SIGTERM, so each closes its sink) and the balancer. */
        @Override
        public void close() throws Exception {
            for (BenchGateway g : gateways) {
                g.close();
            }
            if (balancer != null && balancer.isAlive()) {
                balancer.destroy();
                if (!balancer.waitFor(10, TimeUnit.SECONDS)) {
                    balancer.destroyForcibly();
                }
            }
            running.remove(this);
        }
    }

    private byte[] batch;

    private int table(Map<String, List<String>> o) throws Exception {
        double warmup = Double.parseDouble(FleetBenchmark.one(o, "warmup", "15"));
        double duration = Double.parseDouble(FleetBenchmark.one(o, "duration", "20"));
        int inFlight = FleetBenchmark.intOpt(o, "in-flight", 1);
        int concurrency = FleetBenchmark.intOpt(o, "enroll-concurrency", 32);
        List<String> rows = List.of(FleetBenchmark.one(o, "stores", "sqlite:1,postgresql:1,postgresql:2").split(","));
        batch = FleetBenchmark.batch();
        PushConfig push = PushConfig.defaults();
        List<String> lines = new ArrayList<>();
        int rc = 0;
        var group = new MultiThreadIoEventLoopGroup(1, NioIoHandler.newFactory());
        try {
            for (String row : rows) {
                String store = row.substring(0, row.indexOf(':'));
                int count = Integer.parseInt(row.substring(row.indexOf(':') + 1));
                System.out.printf("%s, %d gateway%s: %d agents, closed loop (%d in flight each), %.0f s warm-up, "
                        + "%.0f s measured%n", store, count, count == 1 ? "" : "s", agentCount, inFlight, warmup,
                        duration);
                try (Cluster c = new Cluster(store, count)) {
                    double enrollRate = c.enroll(concurrency);
                    System.out.printf("  enrollment: %d agents over EST (%d at once): %.1f enrollments/s, CPU per "
                            + "enrollment: gateways %.1f ms, PostgreSQL %s ms%n", agentCount, concurrency, enrollRate,
                            c.enrollCpu[0], FleetBenchmark.fmt(c.enrollCpu[1], 1));
                    ClusterLoad load = c.load(group.next(), push, inFlight, 0);
                    load.start();
                    long wStart = System.nanoTime() + (long) (warmup * 1e9);
                    long wEnd = wStart + (long) (duration * 1e9);
                    load.window(wStart, wEnd);
                    ProcProbe gw = new ProcProbe(clkTck, c.gatewayPids());
                    ProcProbe pg = c.pgPid == 0 ? null : new ProcProbe(clkTck, c.pgPid);
                    ProcProbe lb = c.balancer == null ? null : new ProcProbe(clkTck, c.balancer.pid());
                    sleepUntil(wStart);
                    double[] cpu0 = {gw.cpuMillis(), pg == null ? 0 : pg.cpuMillis(), lb == null ? 0 : lb.cpuMillis()};
                    sleepUntil(wEnd);
                    double[] cpu1 = {gw.cpuMillis(), pg == null ? 0 : pg.cpuMillis(), lb == null ? 0 : lb.cpuMillis()};
                    int open = load.open();
                    ClusterLoad.Result r = load.finish(duration, 60);
                    boolean alive = c.gateways.stream().allMatch(BenchGateway::alive);
                    c.close();
                    Sinks s = sinks(c.gatewayDirs(), r.sequences());
                    printErrors("  errors", r.errors());
                    double n = Math.max(1, r.stored());
                    lines.add(String.format("%-10s %8d %13s %10s %6d %10s %8s %8s %12s %11s %11s %5d %10d", store,
                            count, FleetBenchmark.fmt(enrollRate, 1), FleetBenchmark.fmt(c.enrollCpu[0], 1), open,
                            FleetBenchmark.fmt(r.achieved(), 1),
                            FleetBenchmark.fmt(ClusterLoad.Result.percentileMs(r.latenciesNanos(), 0.5), 1),
                            FleetBenchmark.fmt(ClusterLoad.Result.percentileMs(r.latenciesNanos(), 0.99), 1),
                            FleetBenchmark.fmt((cpu1[0] - cpu0[0]) / n, 3),
                            pg == null ? "-" : FleetBenchmark.fmt((cpu1[1] - cpu0[1]) / n, 3),
                            lb == null ? "-" : FleetBenchmark.fmt((cpu1[2] - cpu0[2]) / n, 3), s.lost, s.twice));
                    if (!alive) {
                        System.out.printf("cluster: a gateway of %s/%d died during the run%n", store, count);
                        rc = 2;
                    } else if (s.lost + s.twice > 0 && rc == 0) {
                        rc = 1;
                    }
                }
            }
        } finally {
            group.shutdownGracefully(0, 1, TimeUnit.SECONDS);
        }
        System.out.println();
        System.out.printf("%-10s %8s %13s %10s %6s %10s %8s %8s %12s %11s %11s %5s %10s%n", "store", "gateways",
                "enrollments/s", "gw ms/enr", "conns", "batches/s", "p50 ms", "p99 ms", "gw CPU ms/b", "pg CPU ms/b",
                "lb CPU ms/b", "lost", "stored 2x");
        lines.forEach(System.out::println);
        System.out.println("(enrollments over EST, the gateways' CPU per enrollment; batches/s: closed loop, each "
                + "agent "
                + "sends its next batch when the previous is answered; CPU per batch stored: the gateways', "
                + "PostgreSQL's with its backends, HAProxy's)");
        return rc;
    }

    private int failover(Map<String, List<String>> o) throws Exception {
        double interval = Double.parseDouble(FleetBenchmark.one(o, "interval", "10"));
        double before = Double.parseDouble(FleetBenchmark.one(o, "before", "25"));
        double after = Double.parseDouble(FleetBenchmark.one(o, "after", "40"));
        double spread = Double.parseDouble(FleetBenchmark.one(o, "reconnect-spread", "10"));
        int concurrency = FleetBenchmark.intOpt(o, "enroll-concurrency", 32);
        PushConfig d = PushConfig.defaults();
        PushConfig push = new PushConfig(d.timeout(), d.maxInFlight(), d.backoffInitial(), d.backoffMax(),
                d.retryAfterMax(), Duration.ofMillis((long) (spread * 1000)));
        batch = FleetBenchmark.batch();
        var group = new MultiThreadIoEventLoopGroup(1, NioIoHandler.newFactory());
        int rc = 0;
        try (Cluster c = new Cluster("postgresql", 2)) {
            System.out.printf("  enrollment: %d agents over EST through HAProxy (%d at once): %.1f enrollments/s%n",
                    agentCount, concurrency, c.enroll(concurrency));
            ClusterLoad load = c.load(group.next(), push, d.maxInFlight(), interval);
            System.out.printf("failover: %d agents, one batch each every %.1f s (%.0f batches/s), "
                    + "push.reconnect_spread %.1f s, backoff_initial %d s, push.timeout %d s%n", agentCount, interval,
                    agentCount / interval, spread, d.backoffInitial().toSeconds(), d.timeout().toSeconds());
            load.start();
            // The kill comes in steady state: after --before seconds, once every agent has had a batch stored and
            // at most 1 % have batches waiting (a cold gateway on a busy machine takes a while), at most 4 x later.
            long t0 = System.nanoTime();
            sleepUntil(t0 + (long) (before * 1e9));
            while (System.nanoTime() < t0 + (long) (4 * before * 1e9)
                    && (load.storedOnce() < agentCount || load.pending() > agentCount / 100)) {
                Thread.sleep(500);
            }
            System.out.printf("  after %.0f s: %d agents have had a batch stored, %d have batches waiting%n",
                    (System.nanoTime() - t0) / 1e9, load.storedOnce(), load.pending());
            BenchGateway victim = c.gateways.get(0);
            System.out.printf("  %d connections open; killing %s (pid %d) with SIGKILL%n", load.open(), victim.name,
                    victim.pid());
            load.mark();
            victim.kill();
            long killed = System.nanoTime();
            for (int s = 5; s <= after; s += 5) {
                sleepUntil(killed + (long) (s * 1e9));
                System.out.printf("  %d s after the kill: %d connections open, %d agents with batches waiting%n", s,
                        load.open(), load.pending());
            }
            sleepUntil(killed + (long) (after * 1e9));
            // The killed gateway comes back on its ports (it truncates a sink write the kill cut short), then the
            // agents stop making batches and drain.
            victim.serve(victim.estPort, victim.ingestPort);
            ClusterLoad.Result r = load.finish(before + after, 120);
            boolean alive = c.gateways.get(1).alive();
            c.close();
            Sinks s = sinks(c.gatewayDirs(), r.sequences());
            System.out.println();
            printErrors("errors (the whole run)", r.errors());
            System.out.printf("agents whose connection was cut after the kill: %d; agents whose push failed without "
                    + "an answer after the kill (so waited up to the reconnect spread): %d; the others reconnected "
                    + "at their next batch%n", r.cutAgents(), r.spreadAgents());
            System.out.printf("%-58s %7s %9s %9s %9s%n", "", "agents", "p50 ms", "p99 ms", "max ms");
            row("gap, all agents (last 200 before the kill -> first after)", r.gapNanos());
            row("outage, cut agents (kill -> first 200 after)", r.outageNanos());
            row("delay, all agents (first batch due after the kill -> 200)", r.delayNanos());
            row("delay, cut agents", r.cutDelayNanos());
            StringBuilder per = new StringBuilder();
            int busiest = 0;
            for (int h : r.handshakesPerSecond()) {
                per.append(' ').append(h);
                busiest = Math.max(busiest, h);
            }
            Path csv = root.resolve("failover-agents.csv");
            Files.write(csv, r.perAgent());
            System.out.printf("per agent (times in ms from the kill): %s%n", csv);
            System.out.printf("reconnects (TLS handshakes) in each second after the kill:%s (busiest %d)%n", per,
                    busiest);
            System.out.printf("sinks: %d batches made, %d stored, lost %d, stored twice %d; %d retries were answered "
                    + "as already stored (Outpost-Batch: duplicate)%n", s.made, s.stored, s.lost, s.twice,
                    r.duplicatesAnswered());
            if (!alive) {
                System.out.println("cluster: the surviving gateway died during the run");
                rc = 2;
            } else if (s.lost + s.twice > 0) {
                rc = 1;
            }
        } finally {
            group.shutdownGracefully(0, 1, TimeUnit.SECONDS);
        }
        return rc;
    }

    private static void row(String name, long[] sorted) {
        System.out.printf("%-58s %7d %9s %9s %9s%n", name, sorted.length,
                FleetBenchmark.fmt(ClusterLoad.Result.percentileMs(sorted, 0.5), 0),
                FleetBenchmark.fmt(ClusterLoad.Result.percentileMs(sorted, 0.99), 0),
                FleetBenchmark.fmt(ClusterLoad.Result.percentileMs(sorted, 1.0), 0));
    }

    private static void printErrors(String prefix, Map<String, Long> errors) {
        StringBuilder kinds = new StringBuilder();
        errors.forEach((k, v) -> kinds.append(kinds.length() == 0 ? "" : "; ").append(k).append(": ").append(v));
        System.out.printf("%s: %s%n", prefix, kinds.length() == 0 ? "none" : kinds);
    }

    /** What the sinks hold against what the agents made: batches made, stored, lost, stored more than once. */
    record Sinks(long made, long stored, long lost, long twice) {
    }

    /**
     * Reads every file sink (gzip members or plain NDJSON) and counts each batch's resource lines (one per batch and
     * resource; the benchmark's batch has one resource) by its key {@code <agent>:<sequence>}; {@code sequences}: per
     * agent id the first sequence it made and the one after its last.
     */
    static Sinks sinks(List<Path> gatewayDirs, Map<String, long[]> sequences) throws IOException {
        Map<String, Map<Long, Integer>> seen = new HashMap<>();
        for (Path g : gatewayDirs) {
            for (Path f : BenchGateway.sinkFiles(g)) {
                try (InputStream raw = Files.newInputStream(f);
                        InputStream in = f.toString().endsWith(".gz") ? new GZIPInputStream(raw, 1 << 16) : raw;
                        BufferedReader r = new BufferedReader(new InputStreamReader(in, StandardCharsets.UTF_8),
                                1 << 16)) {
                    for (String line = r.readLine(); line != null; line = r.readLine()) {
                        int res = line.indexOf(",\"resource\":{");
                        if (res < 0) {
                            continue;
                        }
                        Matcher m = BATCH.matcher(line);
                        if (m.find() && m.start() < res) {
                            seen.computeIfAbsent(m.group(1), k -> new HashMap<>())
                                    .merge(Long.parseLong(m.group(2)), 1, Integer::sum);
                        }
                    }
                }
            }
        }
        long made = 0;
        long stored = 0;
        long lost = 0;
        long twice = 0;
        for (Map.Entry<String, long[]> e : sequences.entrySet()) {
            Map<Long, Integer> mine = seen.getOrDefault(e.getKey(), Map.of());
            for (long q = e.getValue()[0]; q < e.getValue()[1]; q++) {
                made++;
                int n = mine.getOrDefault(q, 0);
                stored += n > 0 ? 1 : 0;
                lost += n == 0 ? 1 : 0;
                twice += Math.max(0, n - 1);
            }
        }
        return new Sinks(made, stored, lost, twice);
    }

    private synchronized void stopAll() {
        for (AutoCloseable c : new ArrayList<>(running)) {
            try {
                c.close();
            } catch (Exception e) {
                System.err.println("cluster: stopping " + c + ": " + e);
            }
        }
    }

    static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
            return s.getLocalPort();
        }
    }

    static boolean listening(int port) {
        try (Socket s = new Socket("127.0.0.1", port)) {
            return true;
        } catch (IOException e) {
            return false;
        }
    }

    private static void sleepUntil(long nanoTime) throws InterruptedException {
        long left;
        while ((left = nanoTime - System.nanoTime()) > 0) {
            TimeUnit.NANOSECONDS.sleep(Math.min(left, 100_000_000L));
        }
    }
}
