package dev.outpost.bench;

import static dev.outpost.bench.Batches.check;
import static dev.outpost.bench.Batches.field;
import static dev.outpost.bench.Batches.gzip;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.outpost.agent.cli.AgentCli;
import dev.outpost.agent.collect.FilesystemFilter;
import dev.outpost.agent.collect.HostCollection;
import dev.outpost.agent.collect.OshiHostProbe;
import dev.outpost.agent.metrics.Metrics;
import dev.outpost.agent.otlp.OtlpEncoder;
import dev.outpost.agent.queue.DiskQueue;
import dev.outpost.agent.tls.Credentials;
import dev.outpost.agent.tls.TlsSettings;
import dev.outpost.agent.transport.Backoff;
import dev.outpost.agent.transport.BatchKeys;
import dev.outpost.agent.tls.ClientTls;
import dev.outpost.agent.transport.HttpsClient;
import dev.outpost.agent.transport.OtlpPusher;
import dev.outpost.agent.transport.PushLoop;
import dev.outpost.gateway.cli.GatewayCli;
import io.netty.bootstrap.ServerBootstrap;
import io.netty.buffer.ByteBufInputStream;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.SocketChannel;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpObjectAggregator;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpServerCodec;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.HttpVersion;
import io.opentelemetry.proto.collector.metrics.v1.ExportMetricsServiceRequest;
import io.opentelemetry.proto.collector.metrics.v1.ExportMetricsServiceResponse;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.PrintStream;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.zip.GZIPInputStream;

/**
 * Sink throughput: the same backlog of real agent batches pushed by K enrolled agents through one gateway
 * process into each sink in turn, in one run: the file sink, Prometheus remote write into a real
 * VictoriaMetrics (Debian's package, started here on loopback), and OTLP/HTTP forward into a receiver in this
 * process that decodes every request and counts its points. Prints agent batches/s, samples/s, the gateway's
 * CPU per batch (from /proc) and its RSS, and what the store holds afterwards. Prints figures; asserts only that
 * every batch arrived (exit 1 otherwise).
 */
public final class SinkBenchmark {
    private static final long INTERVAL_NANOS = 10_000_000_000L;
    private static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();

    private SinkBenchmark() {
    }

    record Result(String sink, long batches, double seconds, long points, double cpuMs, double rssMiB,
            Stored stored) {
    }

    /** What the store holds afterwards, and whether that is every batch sent. */
    record Stored(String text, boolean complete) {
    }

    public static void main(String[] args) throws Exception {
        Map<String, String> opts = options(args);
        if (opts.containsKey("help")) {
            System.out.println("""
                    Usage: bench/sinks.sh [--agents K] [--batches N] [--in-flight F] [--sinks LIST]
                      --agents K      enrolled agents pushing at once (default 20)
                      --batches N     batches queued per agent, 10 s apart in time (default 300)
                      --in-flight F   each agent's max_in_flight (default 8, the agent's default)
                      --sinks LIST    comma-separated from file,prometheus_remote_write,otlp (default: all three)
                    Prints agent batches/s, samples/s, gateway CPU ms per batch and RSS per sink; exit 1 when a
                    sink did not receive every batch, 2 when the gateway died.""");
            return;
        }
        int agents = Integer.parseInt(opts.getOrDefault("agents", "20"));
        int perAgent = Integer.parseInt(opts.getOrDefault("batches", "300"));
        int inFlight = Integer.parseInt(opts.getOrDefault("in-flight", "8"));
        List<String> sinks = List.of(opts.getOrDefault("sinks", "file,prometheus_remote_write,otlp").split(","));
        Path repo = Path.of(System.getProperty("outpost.repo", ".")).toAbsolutePath().normalize();
        Path root = Files.createTempDirectory("outpost-sinks");
        Clock clock = Clock.systemUTC();

        List<byte[]> batches = new ArrayList<>();
        int points = encodeBatches(perAgent, clock, batches);
        System.out.printf("%d agents x %d batches of %d data points (%d bytes gzip), %d in flight per agent%n",
                agents, perAgent, points, batches.get(0).length, inFlight);

        var io = new MultiThreadIoEventLoopGroup(2, NioIoHandler.newFactory());
        OtlpReceiver receiver = OtlpReceiver.start(io);
        Process vm = null;
        int vmPort = sinks.contains("prometheus_remote_write") ? freePort() : 0;
        List<Result> results = new ArrayList<>();
        int exit = 0;
        try {
            if (vmPort != 0) {
                vm = startVictoriaMetrics(root.resolve("victoria-metrics"), vmPort);
            }
            for (String sink : sinks) {
                Map<String, String> env = new LinkedHashMap<>();
                env.put("OUTPOST_GATEWAY_SINK_TYPE", sink);
                switch (sink) {
                    case "file" -> { }
                    case "prometheus_remote_write" -> env.put("OUTPOST_GATEWAY_SINK_PROMETHEUS_REMOTE_WRITE_URL",
                            "http://127.0.0.1:" + vmPort + "/api/v1/write");
                    case "otlp" -> env.put("OUTPOST_GATEWAY_SINK_OTLP_URL",
                            "http://127.0.0.1:" + receiver.port() + "/v1/metrics");
                    default -> throw new IllegalArgumentException("unknown sink " + sink
                            + "; use file, prometheus_remote_write or otlp");
                }
                long receivedBefore = receiver.points.get();
                Result r = runSink(repo, root.resolve("gw-" + sink), sink, env, agents, batches, points, inFlight,
                        io, clock, () -> switch (sink) {
                            case "prometheus_remote_write" -> storedInVictoriaMetrics(HTTP, vm(vmPort), agents,
                                    perAgent);
                            case "otlp" -> {
                                long got = receiver.points.get() - receivedBefore;
                                long expected = (long) agents * perAgent * points;
                                yield new Stored(got + " of " + expected + " points (OTLP receiver)", got == expected);
                            }
                            default -> new Stored("every batch fsynced before its 200", true);
                        });
                results.add(r);
                if (!r.stored.complete()) {
                    exit = 1;
                }
            }
        } catch (GatewayDied e) {
            System.err.println("sinks: " + e.getMessage());
            exit = 2;
        } finally {
            if (vm != null) {
                vm.destroy();
                vm.waitFor(30, TimeUnit.SECONDS);
            }
            receiver.close();
            io.shutdownGracefully(0, 1, TimeUnit.SECONDS).syncUninterruptibly();
        }
        System.out.printf("%n%-24s %8s %8s %11s %11s %13s %8s  %s%n", "sink", "batches", "seconds", "batches/s",
                "samples/s", "gw CPU ms/b", "gw RSS", "in the store afterwards");
        double fileCpu = results.isEmpty() ? 0 : results.get(0).cpuMs / results.get(0).batches;
        for (Result r : results) {
            double rate = r.batches / r.seconds;
            double cpu = r.cpuMs / r.batches;
            System.out.printf("%-24s %8d %8.1f %11.0f %11.0f %8.3f (%s) %5.0f MiB  %s%n", r.sink, r.batches,
                    r.seconds, rate, rate * r.points, cpu, fileCpu > 0 ? String.format("%.1fx", cpu / fileCpu) : "-",
                    r.rssMiB, r.stored.text());
        }
        System.out.println("\n(one run, side by side; the gateway is a separate process started through"
                + " packaging/bin/outpost-gateway with the launcher's flags; its CPU is utime+stime from /proc over"
                + " the push window; ratios in brackets are against the file sink)");
        System.exit(exit);
    }

    interface StoreCheck {
        Stored get() throws Exception;
    }

    static final class GatewayDied extends Exception {
        GatewayDied(String message) {
            super(message);
        }
    }

    private static Result runSink(Path repo, Path dir, String sink, Map<String, String> sinkEnv, int agents,
            List<byte[]> batches, int points, int inFlight, MultiThreadIoEventLoopGroup io, Clock clock,
            StoreCheck stored)
            throws Exception {
        Files.createDirectories(dir);
        Map<String, String> env = new LinkedHashMap<>(sinkEnv);
        env.put("OUTPOST_GATEWAY_EST_LISTEN", "127.0.0.1:0");
        env.put("OUTPOST_GATEWAY_INGEST_LISTEN", "127.0.0.1:0");
        // A benchmark's many agents from one address, each draining a backlog as fast as it can.
        env.put("OUTPOST_GATEWAY_EST_RATE_LIMITS_ADDRESS_REQUESTS_PER_SECOND", "0");
        for (String who : List.of("AGENT", "ORG")) {
            for (String what : List.of("REQUESTS", "BYTES", "POINTS")) {
                env.put("OUTPOST_GATEWAY_INGEST_RATE_LIMITS_" + who + "_" + what + "_PER_SECOND", "0");
            }
        }
        Path gw = dir.resolve("gateway");
        check(new GatewayCli(new PrintStream(new ByteArrayOutputStream(), true, StandardCharsets.UTF_8), System.err,
                env, clock).run("init", "--dir", gw.toString()), "init");
        ByteArrayOutputStream tokenOut = new ByteArrayOutputStream();
        check(new GatewayCli(new PrintStream(tokenOut, true, StandardCharsets.UTF_8), System.err, env, clock)
                .run("token", "create", "--dir", gw.toString(), "--org", "bench", "--uses",
                        Integer.toString(agents)), "token create");
        String text = tokenOut.toString(StandardCharsets.UTF_8);
        Path log = dir.resolve("gateway.log");
        ProcessBuilder pb = new ProcessBuilder(repo.resolve("packaging/bin/outpost-gateway").toString(), "serve",
                "--dir", gw.toString());
        pb.environment().putAll(env);
        pb.environment().put("OUTPOST_GATEWAY_JAR", repo.resolve("gateway/target/outpost-gateway.jar").toString());
        pb.redirectErrorStream(true).redirectOutput(log.toFile()).redirectInput(ProcessBuilder.Redirect.from(
                new java.io.File("/dev/null")));
        Process gateway = pb.start();
        try {
            int estPort = awaitPort(gateway, log, "EST listening on https://127\\.0\\.0\\.1:(\\d+)/");
            int ingestPort = awaitPort(gateway, log, "ingest listening on https://127\\.0\\.0\\.1:(\\d+)/");
            Path tokenFile = dir.resolve("token");
            Files.writeString(tokenFile, field(text, "token"));
            List<Credentials> creds = new ArrayList<>();
            ByteArrayOutputStream quiet = new ByteArrayOutputStream();
            for (int a = 0; a < agents; a++) {
                Path state = dir.resolve("agent-" + a);
                check(new AgentCli(new PrintStream(quiet, true, StandardCharsets.UTF_8), System.err, Map.of(), clock)
                        .run("enroll", "--server", "https://127.0.0.1:" + estPort, "--ca-sha256",
                                field(text, "ca pin"), "--token-file", tokenFile.toString(), "--state-dir",
                                state.toString()), "enroll");
                creds.add(Credentials.load(state));
            }
            URI ingest = URI.create("https://127.0.0.1:" + ingestPort + "/v1/metrics");
            List<DiskQueue> queues = new ArrayList<>();
            List<HttpsClient> clients = new ArrayList<>();
            List<PushLoop> loops = new ArrayList<>();
            List<Thread> threads = new ArrayList<>();
            try {
                for (int a = 0; a < agents; a++) {
                    Path queueDir = dir.resolve("agent-" + a).resolve("queue");
                    DiskQueue queue = DiskQueue.open(queueDir, 4L << 30, 0, clock);
                    queues.add(queue);
                    for (byte[] b : batches) {
                        queue.append(b);
                    }
                    Credentials c = creds.get(a);
                    ClientTls tls = TlsSettings.client(c.key(), List.of(c.certificate()), c.trustBundle());
                    HttpsClient http = new HttpsClient(ingest, () -> tls, Duration.ofSeconds(30));
                    clients.add(http);
                    loops.add(new PushLoop(queue, new OtlpPusher(http), new Backoff(Duration.ofMillis(100),
                            Duration.ofSeconds(2), Duration.ofSeconds(1), new SplittableRandom(a), clock),
                            BatchKeys.load(c.agentId(), queueDir), inFlight, clock, new Metrics(), p -> { }));
                }
                long cpu0 = cpuMillis(gateway.pid());
                long t0 = System.nanoTime();
                for (int a = 0; a < agents; a++) {
                    Thread t = new Thread(loops.get(a), "push-" + a);
                    t.setDaemon(true);
                    threads.add(t);
                    t.start();
                }
                long deadline = t0 + TimeUnit.MINUTES.toNanos(10);
                while (queues.stream().anyMatch(q -> q.stats().records() > 0)) {
                    if (!gateway.isAlive()) {
                        throw new GatewayDied("the gateway (" + sink + " sink) exited with " + gateway.exitValue()
                                + "; see " + log);
                    }
                    if (System.nanoTime() > deadline) {
                        throw new GatewayDied("the " + sink + " sink did not take the backlog in 10 minutes; see "
                                + log);
                    }
                    Thread.sleep(5);
                }
                double seconds = (System.nanoTime() - t0) / 1e9;
                long cpu = cpuMillis(gateway.pid()) - cpu0;
                double rss = rssMiB(gateway.pid());
                return new Result(sink, (long) agents * batches.size(), seconds, points, cpu, rss, stored.get());
            } finally {
                loops.forEach(PushLoop::stop);
                for (Thread t : threads) {
                    t.join(5_000);
                }
                for (HttpsClient c : clients) {
                    c.close();
                }
                for (DiskQueue q : queues) {
                    q.close();
                }
            }
        } finally {
            gateway.destroy();
            if (!gateway.waitFor(30, TimeUnit.SECONDS)) {
                gateway.destroyForcibly();
            }
        }
    }

    /** Batches of this host's metrics, 10 s apart in time, ending a minute ago. */
    private static int encodeBatches(int n, Clock clock, List<byte[]> out) throws IOException {
        Metrics metrics = new Metrics();
        HostCollection collection = new HostCollection(OshiHostProbe.create(), metrics,
                new FilesystemFilter(List.of(), FilesystemFilter.DEFAULT_EXCLUDE_TYPES, List.of(), List.of()), clock);
        collection.collectOnce();
        collection.collectOnce();
        OtlpEncoder encoder = new OtlpEncoder("bench");
        long start = collection.bootTimeSeconds() * 1_000_000_000L;
        long first = clock.millis() * 1_000_000L - 60_000_000_000L - n * INTERVAL_NANOS;
        int points = 0;
        for (int i = 0; i < n; i++) {
            long t = first + i * INTERVAL_NANOS;
            ExportMetricsServiceRequest req = encoder.encode(metrics, Map.of("host.name", "bench"), t, start, t - 1);
            points = Batches.points(req);
            out.add(gzip(req.toByteArray()));
        }
        return points;
    }

    private static Stored storedInVictoriaMetrics(HttpClient http, String base, int agents, int perAgent)
            throws Exception {
        long expected = (long) agents * perAgent;
        String q = "sum(count_over_time(system_memory_usage_bytes{outpost_org=\"bench\",state=\"used\"}["
                + (perAgent * 10 + 600) + "s]))";
        long got = -1;
        for (int i = 0; i < 60 && got != expected; i++) {
            HttpResponse<String> r = http.send(HttpRequest.newBuilder(URI.create(base + "/api/v1/query?query="
                    + URLEncoder.encode(q, StandardCharsets.UTF_8))).timeout(Duration.ofSeconds(10)).build(),
                    HttpResponse.BodyHandlers.ofString());
            JsonNode result = new ObjectMapper().readTree(r.body()).path("data").path("result");
            got = result.size() == 0 ? 0 : (long) Double.parseDouble(result.get(0).path("value").get(1).asText());
            if (got != expected) {
                Thread.sleep(500);
            }
        }
        return new Stored(got + " of " + expected + " samples of system_memory_usage_bytes{state=\"used\"}"
                + " (VictoriaMetrics)", got == expected);
    }

    private static String vm(int port) {
        return "http://127.0.0.1:" + port;
    }

    private static Process startVictoriaMetrics(Path dir, int port) throws Exception {
        Path program = Path.of("/usr/bin/victoria-metrics");
        if (!Files.isExecutable(program)) {
            throw new IllegalStateException(program + " is not installed: apt-get install victoria-metrics "
                    + "(./test.sh installs it), or leave prometheus_remote_write out of --sinks");
        }
        Files.createDirectories(dir);
        Process p = new ProcessBuilder(program.toString(), "-storageDataPath=" + dir.resolve("data"),
                "-httpListenAddr=127.0.0.1:" + port, "-retentionPeriod=100y", "-search.latencyOffset=0s",
                "-search.disableCache", "-loggerLevel=WARN").redirectErrorStream(true)
                .redirectOutput(dir.resolve("victoria-metrics.log").toFile()).start();
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        while (System.nanoTime() < deadline) {
            if (!p.isAlive()) {
                throw new IllegalStateException("victoria-metrics exited with " + p.exitValue() + "; see " + dir);
            }
            try {
                if (HTTP.send(HttpRequest.newBuilder(URI.create(vm(port) + "/health")).build(),
                        HttpResponse.BodyHandlers.discarding()).statusCode() == 200) {
                    return p;
                }
            } catch (IOException e) {
                // not up yet
            }
            Thread.sleep(100);
        }
        p.destroyForcibly();
        throw new IllegalStateException("victoria-metrics did not answer in 60 s");
    }

    /** An OTLP/HTTP receiver on loopback: decodes every request (gzip, protobuf), counts its points, answers 200. */
    static final class OtlpReceiver implements AutoCloseable {
        final AtomicLong points = new AtomicLong();
        private Channel channel;

        static OtlpReceiver start(MultiThreadIoEventLoopGroup io) throws InterruptedException {
            OtlpReceiver r = new OtlpReceiver();
            r.channel = new ServerBootstrap().group(io).channel(NioServerSocketChannel.class)
                    .childHandler(new ChannelInitializer<SocketChannel>() {
                        @Override
                        protected void initChannel(SocketChannel ch) {
                            ch.pipeline().addLast(new HttpServerCodec(), new HttpObjectAggregator(64 << 20),
                                    new SimpleChannelInboundHandler<FullHttpRequest>() {
                                        @Override
                                        protected void channelRead0(ChannelHandlerContext ctx, FullHttpRequest req)
                                                throws IOException {
                                            r.receive(ctx, req);
                                        }
                                    });
                        }
                    }).bind(new InetSocketAddress("127.0.0.1", 0)).sync().channel();
            return r;
        }

        int port() {
            return ((InetSocketAddress) channel.localAddress()).getPort();
        }

        private void receive(ChannelHandlerContext ctx, FullHttpRequest req) throws IOException {
            InputStream in = new ByteBufInputStream(req.content());
            if ("gzip".equalsIgnoreCase(req.headers().get(HttpHeaderNames.CONTENT_ENCODING))) {
                in = new GZIPInputStream(in);
            }
            points.addAndGet(Batches.points(ExportMetricsServiceRequest.parseFrom(in)));
            FullHttpResponse res = new DefaultFullHttpResponse(HttpVersion.HTTP_1_1, HttpResponseStatus.OK,
                    Unpooled.wrappedBuffer(ExportMetricsServiceResponse.getDefaultInstance().toByteArray()));
            res.headers().set(HttpHeaderNames.CONTENT_TYPE, "application/x-protobuf");
            HttpUtil.setContentLength(res, res.content().readableBytes());
            ctx.writeAndFlush(res);
        }

        @Override
        public void close() {
            channel.close().syncUninterruptibly();
        }
    }


    /** utime + stime of a process, in milliseconds (from /proc/PID/stat, in clock ticks of 10 ms). */
    static long cpuMillis(long pid) throws IOException {
        String stat = Files.readString(Path.of("/proc/" + pid + "/stat"));
        String[] f = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
        return (Long.parseLong(f[11]) + Long.parseLong(f[12])) * 10;
    }

    static double rssMiB(long pid) throws IOException {
        for (String line : Files.readAllLines(Path.of("/proc/" + pid + "/status"))) {
            if (line.startsWith("VmRSS:")) {
                return Long.parseLong(line.replaceAll("\\D", "")) / 1024.0;
            }
        }
        return 0;
    }

    private static int awaitPort(Process p, Path log, String regex) throws Exception {
        Pattern pattern = Pattern.compile(regex);
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(120);
        while (System.nanoTime() < deadline) {
            if (!p.isAlive()) {
                throw new GatewayDied("the gateway exited with " + p.exitValue() + " at start; see " + log);
            }
            Matcher m = pattern.matcher(Files.readString(log));
            if (m.find()) {
                return Integer.parseInt(m.group(1));
            }
            Thread.sleep(100);
        }
        throw new GatewayDied("the gateway did not log /" + regex + "/ in 120 s; see " + log);
    }

    private static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0)) {
            return s.getLocalPort();
        }
    }


    private static Map<String, String> options(String[] args) {
        Map<String, String> m = new LinkedHashMap<>();
        for (int i = 0; i < args.length; i++) {
            String a = args[i];
            if (a.equals("--help") || a.equals("-h")) {
                m.put("help", "");
            } else if (a.startsWith("--") && i + 1 < args.length) {
                m.put(a.substring(2), args[++i]);
            } else {
                throw new IllegalArgumentException("unknown argument " + a + "; see --help");
            }
        }
        return m;
    }


}
