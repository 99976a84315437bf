package dev.outpost.bench;

import static dev.outpost.bench.Batches.check;
import static dev.outpost.bench.Batches.field;
import static dev.outpost.bench.Batches.gzip;

import dev.outpost.agent.cli.AgentCli;
import dev.outpost.agent.collect.FilesystemFilter;
import dev.outpost.agent.collect.HostCollection;
import dev.outpost.agent.metrics.Metrics;
import dev.outpost.agent.collect.OshiHostProbe;
import dev.outpost.agent.otlp.OtlpEncoder;
import dev.outpost.agent.queue.DiskQueue;
import dev.outpost.agent.tls.ClientTls;
import dev.outpost.agent.tls.Credentials;
import dev.outpost.agent.tls.TlsSettings;
import dev.outpost.agent.transport.Backoff;
import dev.outpost.agent.transport.BatchKeys;
import dev.outpost.agent.transport.HttpsClient;
import dev.outpost.agent.transport.OtlpPusher;
import dev.outpost.agent.transport.PushLoop;
import dev.outpost.gateway.GatewayDir;
import dev.outpost.gateway.GatewayRuntime;
import dev.outpost.gateway.cli.GatewayCli;
import dev.outpost.gateway.config.GatewayConfig;
import io.opentelemetry.proto.collector.metrics.v1.ExportMetricsServiceRequest;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;

/**
 * Backlog drain: how fast a queue holding 24 h of 10 s batches (8640) drains to a gateway on loopback, with one
 * and with several batches in flight, side by side with steady-state pushing (one batch queued, sent, acked,
 * then the next). The real agent queue, transport and TLS, and the real gateway with its file sink, in one JVM.
 * Prints figures; asserts nothing.
 */
public final class DrainBenchmark {
    private DrainBenchmark() {
    }

    public static void main(String[] args) throws Exception {
        int backlog = args.length > 0 ? Integer.parseInt(args[0]) : 8640;
        int steady = args.length > 1 ? Integer.parseInt(args[1]) : 300;
        Path root = Files.createTempDirectory("outpost-drain");
        Clock clock = Clock.systemUTC();
        Map<String, String> env = Map.of("OUTPOST_GATEWAY_EST_LISTEN", "127.0.0.1:0",
                "OUTPOST_GATEWAY_INGEST_LISTEN", "127.0.0.1:0");
        Path gw = root.resolve("gateway");
        check(new GatewayCli(System.out, System.err, env, clock).run("init", "--dir", gw.toString()), "init");
        ByteArrayOutputStream tokenOut = new ByteArrayOutputStream();
        check(new GatewayCli(new PrintStream(tokenOut, true, StandardCharsets.UTF_8), System.err, env, clock)
                .run("token", "create", "--dir", gw.toString(), "--org", "bench"), "token create");
        String text = tokenOut.toString(StandardCharsets.UTF_8);
        GatewayDir dir = new GatewayDir(gw);
        try (GatewayRuntime gateway = GatewayRuntime.start(dir, GatewayConfig.load(dir.config(), env), env, clock)) {
            Path tokenFile = root.resolve("token");
            Files.writeString(tokenFile, field(text, "token"));
            Path state = root.resolve("state");
            String est = "https://127.0.0.1:" + gateway.estAddress().getPort();
            check(new AgentCli(System.out, System.err, Map.of(), clock).run("enroll", "--server", est, "--ca-sha256",
                    field(text, "ca pin"), "--token-file", tokenFile.toString(), "--state-dir", state.toString()),
                    "enroll");
            Credentials creds = Credentials.load(state);
            URI ingest = URI.create("https://127.0.0.1:" + gateway.ingestAddress().getPort() + "/v1/metrics");

            Metrics metrics = new Metrics();
            HostCollection collection = new HostCollection(OshiHostProbe.create(), metrics,
                    new FilesystemFilter(List.of(), FilesystemFilter.DEFAULT_EXCLUDE_TYPES, List.of(), List.of()),
                    clock);
            collection.collectOnce();
            collection.collectOnce();
            long now = clock.millis() * 1_000_000L;
            ExportMetricsServiceRequest req = new OtlpEncoder("bench").encode(metrics, Map.of("host.name", "bench"),
                    now, collection.bootTimeSeconds() * 1_000_000_000L, now - 1);
            int points = Batches.points(req);
            byte[] batch = gzip(req.toByteArray());
            System.out.printf("batch: %d data points, %d bytes protobuf, %d bytes gzip%n", points,
                    req.getSerializedSize(), batch.length);

            ClientTls tls = TlsSettings.client(creds.key(), List.of(creds.certificate()), creds.trustBundle());
            System.out.printf("%n%-34s %10s %12s %14s %10s%n", "run", "batches", "seconds", "batches/s",
                    "points/s");
            double steadyRate = run("steady state (1 queued at a time)", root.resolve("q-steady"), batch, points,
                    steady, 1, true, creds, ingest, tls, clock);
            for (int inFlight : new int[] {1, 8}) {
                double rate = run("backlog drain, " + inFlight + " in flight", root.resolve("q-" + inFlight), batch,
                        points, backlog, inFlight, false, creds, ingest, tls, clock);
                System.out.printf("%-34s %10s %12s %14s %10s   (%.1fx steady state; 24 h of 10 s batches in %.1f s)%n",
                        "", "", "", "", "", rate / steadyRate, 8640 / rate);
            }
        }
    }

    /** Fills a fresh queue (or, steady, feeds it one at a time) and pushes until empty; returns batches per second. */
    private static double run(String name, Path queueDir, byte[] batch, int points, int n, int inFlight,
            boolean oneAtATime, Credentials creds, URI ingest, ClientTls tls, Clock clock) throws Exception {
        try (DiskQueue queue = DiskQueue.open(queueDir, 4L << 30, 0, clock);
                HttpsClient http = new HttpsClient(ingest, () -> tls, Duration.ofSeconds(30))) {
            if (!oneAtATime) {
                for (int i = 0; i < n; i++) {
                    queue.append(batch);
                }
            }
            PushLoop loop = new PushLoop(queue, new OtlpPusher(http), new Backoff(Duration.ofMillis(100),
                    Duration.ofSeconds(1), Duration.ofSeconds(1), new SplittableRandom(), clock),
                    BatchKeys.load(creds.agentId(), queueDir), inFlight, clock, new Metrics(), p -> { });
            Thread t = new Thread(loop, "bench-push");
            long t0 = System.nanoTime();
            t.start();
            if (oneAtATime) {
                for (int i = 0; i < n; i++) {
                    queue.append(batch);
                    loop.wake();
                    while (queue.stats().records() > 0) {
                        java.util.concurrent.locks.LockSupport.parkNanos(50_000);
                    }
                }
            } else {
                while (queue.stats().records() > 0) {
                    Thread.sleep(5);
                }
            }
            double seconds = (System.nanoTime() - t0) / 1e9;
            loop.stop();
            t.join();
            double rate = n / seconds;
            System.out.printf("%-34s %10d %12.2f %14.1f %10.0f%n", name, n, seconds, rate, rate * points);
            return rate;
        }
    }




}
