package dev.outpost.bench;

import dev.outpost.agent.collect.FilesystemFilter;
import dev.outpost.agent.collect.HostCollection;
import dev.outpost.agent.collect.OshiHostProbe;
import dev.outpost.agent.metrics.Metrics;
import dev.outpost.agent.otlp.OtlpEncoder;
import dev.outpost.wire.CaPin;
import dev.outpost.wire.EnrollmentToken;
import io.netty.channel.EventLoop;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.nio.NioIoHandler;
import io.opentelemetry.proto.collector.metrics.v1.ExportMetricsServiceRequest;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Map.Entry;
import java.util.concurrent.TimeUnit;
import java.util.zip.GZIPOutputStream;

/**
 * The fleet benchmark's load generator (bench/fleet.sh runs it). {@code enroll} enrolls K simulated agents over
 * EST; {@code load} runs the same open-loop load of real agent batches against each target in turn (the gateway,
 * then nginx as the physical reference) and prints one table. Exit 2 if a server died, 64 for bad arguments.
 */
public final class FleetBenchmark {
    private FleetBenchmark() {
    }

    public static void main(String[] args) throws Exception {
        if (args.length == 0) {
            usage("a command is needed");
        }
        Map<String, List<String>> opts = options(args);
        switch (args[0]) {
            case "enroll" -> enroll(opts);
            case "load" -> System.exit(load(opts));
            default -> usage("unknown command \"" + args[0] + "\"");
        }
    }

    private static void enroll(Map<String, List<String>> o) throws Exception {
        Path dir = Path.of(one(o, "agents-dir", null));
        int count = intOpt(o, "agents", 10);
        int concurrency = intOpt(o, "concurrency", 32);
        EnrollmentToken token = EnrollmentToken.parse(Files.readString(Path.of(one(o, "token-file", null))).trim());
        double rate = FleetAgents.enroll(dir, URI.create(one(o, "est", null)), CaPin.parse(one(o, "pin", null)),
                token, count, concurrency);
        if (rate < 0) {
            System.out.printf("enrollment: %d agents of an earlier run in %s reused (valid for another hour)%n", count,
                    dir);
        } else {
            System.out.printf("enrollment: %d agents enrolled over EST (%d at once): %.1f enrollments/s%n", count,
                    concurrency, rate);
        }
    }

    private static int load(Map<String, List<String>> o) throws Exception {
        Path dir = Path.of(one(o, "agents-dir", null));
        int count = intOpt(o, "agents", 10);
        double rate = Double.parseDouble(one(o, "rate", "10"));
        double warmup = Double.parseDouble(one(o, "warmup", "5"));
        double duration = Double.parseDouble(one(o, "duration", "10"));
        double drain = Double.parseDouble(one(o, "drain", "30"));
        int clkTck = intOpt(o, "clk-tck", 100);
        List<FleetAgents.Agent> agents = FleetAgents.loadIfValid(dir, count, Duration.ZERO);
        if (agents == null) {
            usage(dir + " does not hold " + count + " valid agents; run enroll first");
        }
        byte[] batch = batch();
        EventLoop loop = new MultiThreadIoEventLoopGroup(1, NioIoHandler.newFactory()).next();
        List<FleetLoad.Result> results = new ArrayList<>();
        long firstSeq = System.currentTimeMillis();
        for (String t : o.getOrDefault("target", List.of())) {
            // name=host:port/path@pid
            int eq = t.indexOf('='), colon = t.lastIndexOf(':'), slash = t.indexOf('/', colon), at = t.lastIndexOf('@');
            if (eq < 1 || colon < eq || slash < colon || at < slash) {
                usage("--target \"" + t + "\" is not NAME=HOST:PORT/PATH@PID");
            }
            String name = t.substring(0, eq);
            var address = new InetSocketAddress(t.substring(eq + 1, colon), Integer.parseInt(t.substring(colon + 1,
                    slash)));
            long pid = Long.parseLong(t.substring(at + 1));
            System.out.printf("%s: %d agents, %.0f batches/s offered (each agent every %.1f s), %.0f s warm-up, "
                    + "%.0f s measured%n", name, count, rate, count / rate, warmup, duration);
            FleetLoad run = new FleetLoad(name, address, t.substring(slash, at), agents, FleetAgents.trust(dir), batch,
                    loop, firstSeq);
            results.add(run.run(rate, warmup, duration, drain, 32, new ProcProbe(clkTck, pid)));
            firstSeq += 1_000_000;
        }
        loop.parent().shutdownGracefully(0, 1, TimeUnit.SECONDS);
        print(results, rate, count);
        for (FleetLoad.Result r : results) {
            if (!r.serverAlive()) {
                System.out.printf("fleet: %s died during the run%n", r.target());
                return 2;
            }
        }
        return 0;
    }

    private static void print(List<FleetLoad.Result> results, double rate, int agents) {
        String row = "%-14s %7s %10s %10s %9s %9s %9s %8s %12s %9s%n";
        System.out.println();
        System.out.printf(row, "server", "conns", "offered/s", "achieved/s", "p50 ms", "p99 ms", "max ms", "errors",
                "CPU ms/batch", "RSS MiB");
        for (FleetLoad.Result r : results) {
            System.out.printf(row, r.target(), r.connected(), fmt(rate, 1), fmt(r.achieved(), 1),
                    fmt(r.percentileMs(0.5), 1), fmt(r.percentileMs(0.99), 1), fmt(r.percentileMs(1.0), 1),
                    r.errorCount(), fmt(cpuPerBatch(r), 3), fmt(r.rssKib() / 1024.0, 1));
        }
        if (results.size() == 2) {
            FleetLoad.Result a = results.get(0);
            FleetLoad.Result b = results.get(1);
            System.out.printf(row, a.target() + "/" + b.target(), "", "", ratio(a.achieved(), b.achieved()),
                    ratio(a.percentileMs(0.5), b.percentileMs(0.5)), ratio(a.percentileMs(0.99), b.percentileMs(0.99)),
                    ratio(a.percentileMs(1.0), b.percentileMs(1.0)), "", ratio(cpuPerBatch(a), cpuPerBatch(b)),
                    ratio(a.rssKib(), b.rssKib()));
        }
        System.out.println();
        for (FleetLoad.Result r : results) {
            StringBuilder kinds = new StringBuilder();
            for (Entry<String, Long> e : r.errors().entrySet()) {
                kinds.append(kinds.length() == 0 ? "" : "; ").append(e.getKey()).append(": ").append(e.getValue());
            }
            System.out.printf("errors %s: %s%n", r.target(), kinds.length() == 0 ? "none" : kinds);
        }
        FleetLoad.Result g = results.isEmpty() ? null : results.get(0);
        if (g != null) {
            boolean fleet = agents >= 10_000 && rate >= 1000;
            boolean met = g.achieved() >= 0.99 * rate && g.percentileMs(0.99) <= 250 && g.errorCount() == 0;
            System.out.printf("goal (issue #10: >= 1000 batches/s, p99 <= 250 ms, 10,000 connections): %s%n",
                    !fleet ? "not this run's scale" : met ? "met" : "NOT met");
        }
    }

    private static double cpuPerBatch(FleetLoad.Result r) {
        return r.stored() == 0 ? Double.NaN : r.cpuMs() / r.stored();
    }

    static String fmt(double v, int decimals) {
        return Double.isNaN(v) ? "-" : String.format("%." + decimals + "f", v);
    }

    private static String ratio(double a, double b) {
        return Double.isNaN(a) || Double.isNaN(b) || b == 0 ? "-" : String.format("%.2fx", a / b);
    }

    /** A real agent batch: this host's metrics collected twice (so rates exist), OTLP protobuf, gzip. */
    static byte[] batch() throws IOException {
        Clock clock = Clock.systemUTC();
        Metrics metrics = new Metrics();
        HostCollection collection = new HostCollection(OshiHostProbe.create(), metrics,
                new FilesystemFilter(List.of(), FilesystemFilter.DEFAULT_EXCLUDE_TYPES, List.of(), List.of()), clock);
        collection.collectOnce();
        collection.collectOnce();
        long now = clock.millis() * 1_000_000L;
        ExportMetricsServiceRequest req = new OtlpEncoder("bench").encode(metrics, Map.of("host.name", "bench"), now,
                collection.bootTimeSeconds() * 1_000_000_000L, now - 1);
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try (GZIPOutputStream gz = new GZIPOutputStream(out)) {
            gz.write(req.toByteArray());
        }
        byte[] gzip = out.toByteArray();
        System.out.printf("batch: a real agent batch of this host, %d data points, %d bytes protobuf, %d bytes gzip%n",
                Batches.points(req), req.getSerializedSize(), gzip.length);
        return gzip;
    }


    static Map<String, List<String>> options(String[] args) {
        Map<String, List<String>> o = new HashMap<>();
        for (int i = 1; i < args.length; i++) {
            if (!args[i].startsWith("--") || i + 1 >= args.length) {
                usage("\"" + args[i] + "\" is not --NAME VALUE");
            }
            o.computeIfAbsent(args[i].substring(2), k -> new ArrayList<>()).add(args[++i]);
        }
        return o;
    }

    static String one(Map<String, List<String>> o, String name, String dflt) {
        List<String> v = o.get(name);
        if (v == null) {
            if (dflt == null) {
                usage("--" + name + " is needed");
            }
            return dflt;
        }
        return v.get(v.size() - 1);
    }

    static int intOpt(Map<String, List<String>> o, String name, int dflt) {
        return Integer.parseInt(one(o, name, Integer.toString(dflt)));
    }

    private static void usage(String why) {
        System.err.println("fleet: " + why);
        System.err.println("usage: FleetBenchmark enroll --agents-dir DIR --agents K --est URL --pin PIN "
                + "--token-file FILE [--concurrency N]");
        System.err.println("       FleetBenchmark load --agents-dir DIR --agents K --rate R --warmup S --duration S "
                + "[--drain S] [--clk-tck N] --target NAME=HOST:PORT/PATH@PID ...");
        System.exit(64);
    }
}
