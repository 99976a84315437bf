package dev.outpost.bench;

import dev.outpost.agent.enroll.Enroller;
import dev.outpost.agent.tls.Credentials;
import dev.outpost.wire.CaPin;
import dev.outpost.wire.EnrollmentToken;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyStore;
import java.security.SecureRandom;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLParameters;
import javax.net.ssl.SSLSocket;
import javax.net.ssl.TrustManagerFactory;

/**
 * The enrollment benchmark (bench/enrollment.sh runs it): a gateway process through the packaged launcher on loopback
 * (on the JRE of {@code --gateway-java} if given), W untimed enrollments over EST to warm it up, then N timed ones,
 * K at once, each with the agent's own {@link Enroller} (a new key, {@code cacerts} and {@code simpleenroll} on one
 * TLS connection). Prints enrollments/s, p50/p99 latency, errors and the gateway's CPU ms per enrollment from /proc,
 * in all and per thread group. Then, unless {@code --handshakes 0}, TLS 1.3 handshakes alone (each a new connection,
 * one small GET, closed) against the gateway's EST listener and against nginx with the same ECDSA P-256 server
 * certificate and key: the CPU ms per handshake of each. Prints figures; exit 2 when the gateway died, 1 when an
 * enrollment failed for good.
 */
public final class EnrollmentBenchmark {
    /** Thread groups by name prefix, in print order; what matches none is "other". */
    private static final Map<String, String> GROUPS = new LinkedHashMap<>();

    static {
        GROUPS.put("gw-handshake", "TLS handshakes (gw-handshake)");
        GROUPS.put("gw-work", "EST workers (gw-work)");
        GROUPS.put("gw-io", "I/O (gw-io)");
        GROUPS.put("gw-accept", "accept (gw-accept)");
        GROUPS.put("gw-state-commit", "state commit (gw-state-commit)");
        GROUPS.put("C2 Compiler", "JIT C2");
        GROUPS.put("C1 Compiler", "JIT C1");
        GROUPS.put("VM Thread", "GC and safepoints (VM Thread)");
    }

    private EnrollmentBenchmark() {
    }

    /** {@code run --repo DIR --dir DIR [--NAME VALUE]...} (bench/enrollment.sh --help). */
    public static void main(String[] args) throws Exception {
        Map<String, List<String>> o = FleetBenchmark.options(args);
        Path repo = Path.of(FleetBenchmark.one(o, "repo", null));
        Path dir = Path.of(FleetBenchmark.one(o, "dir", null));
        int agents = FleetBenchmark.intOpt(o, "agents", 1000);
        int warmup = FleetBenchmark.intOpt(o, "warmup", 1500);
        int concurrency = FleetBenchmark.intOpt(o, "concurrency", 32);
        int handshakes = FleetBenchmark.intOpt(o, "handshakes", 2000);
        int clkTck = FleetBenchmark.intOpt(o, "clk-tck", 100);
        String gatewayJava = FleetBenchmark.one(o, "gateway-java", "");
        String nginx = FleetBenchmark.one(o, "nginx", "");

        Map<String, String> env = new HashMap<>(Map.of(
                // A bench's clients all come from 127.0.0.1: the per-address and per-org limits would stop them.
                "OUTPOST_GATEWAY_EST_RATE_LIMITS_ADDRESS_REQUESTS_PER_SECOND", "0",
                "OUTPOST_GATEWAY_EST_RATE_LIMITS_ORG_REQUESTS_PER_SECOND", "0",
                "OUTPOST_GATEWAY_EST_CONNECTIONS_MAX_PER_ADDRESS", "2000"));
        if (!gatewayJava.isEmpty()) {
            env.put("JAVA_HOME", gatewayJava);
        }
        int rc = 0;
        try (BenchGateway gw = BenchGateway.init(repo, dir, "gateway", env)) {
            gw.serve(0, 0);
            long pid = gw.pid();
            System.out.printf("gateway pid %d on %s, EST :%d%n", pid, runtime(pid), gw.estPort);
            URI est = URI.create("https://127.0.0.1:" + gw.estPort);
            CaPin pin = CaPin.parse(gw.pin);
            EnrollmentToken token = EnrollmentToken.parse(gw.token(agents + warmup + concurrency));
            List<X509Certificate> trust;
            { // one enroller for all, as before; each enrollment's connection is its own
                Enroller enroller = new Enroller(new SecureRandom(), Duration.ofSeconds(60));
                Map<String, Double> cold = threads(pid, clkTck);
                double cpuCold = new ProcProbe(clkTck, pid).cpuMillis();
                Run w = run(enroller, est, pin, token, "warm", warmup, concurrency);
                Map<String, Double> before = threads(pid, clkTck);
                double cpuWarm = new ProcProbe(clkTck, pid).cpuMillis() - cpuCold;
                double jitWarm = 0;
                for (String jit : List.of("C2 Compiler", "C1 Compiler")) {
                    jitWarm += before.getOrDefault(jit, 0.0) - cold.getOrDefault(jit, 0.0);
                }
                System.out.printf("warm-up: %d enrollments, %d at once, %.1f/s, %d errors (untimed); gateway CPU %.2f "
                        + "ms per enrollment, of which JIT %.2f%n", warmup, concurrency, w.rate(), w.errors,
                        cpuWarm / Math.max(1, w.ok), jitWarm / Math.max(1, w.ok));
                double cpu0 = new ProcProbe(clkTck, pid).cpuMillis();
                Run r = run(enroller, est, pin, token, "bench", agents, concurrency);
                double cpu = new ProcProbe(clkTck, pid).cpuMillis() - cpu0;
                Map<String, Double> after = threads(pid, clkTck);
                trust = r.trust;
                System.out.printf("enrollment: %d over EST, %d at once, after %d of warm-up: %.1f enrollments/s, "
                        + "p50 %.1f ms, p99 %.1f ms, max %.1f ms, %d errors%n", r.ok, concurrency, warmup, r.rate(),
                        r.percentile(50), r.percentile(99), r.percentile(100), r.errors);
                System.out.printf("gateway CPU per enrollment: %.2f ms (capacity %.0f enrollments/s per 2 cores "
                        + "with the client elsewhere)%n", cpu / r.ok, 2000 / (cpu / r.ok));
                double named = 0;
                for (Map.Entry<String, String> g : GROUPS.entrySet()) {
                    double ms = after.getOrDefault(g.getKey(), 0.0) - before.getOrDefault(g.getKey(), 0.0);
                    named += ms;
                    System.out.printf("  %-32s %6.2f ms%n", g.getValue(), ms / r.ok);
                }
                System.out.printf("  %-32s %6.2f ms%n", "other (incl. exited threads)", (cpu - named) / r.ok);
                if (r.failed > 0) {
                    rc = 1;
                }
            }
            if (handshakes > 0) {
                Path server = gw.dir.resolve("server");
                SSLContext ctx = clientContext(trust);
                handshakes("gateway", ctx, gw.estPort, "/.well-known/est/cacerts", handshakes, concurrency, pid,
                        clkTck);
                if (!nginx.isEmpty()) {
                    try (Nginx n = Nginx.start(nginx, dir.resolve("nginx"), server.resolve("server.crt"),
                            server.resolve("server.key"))) {
                        handshakes("nginx", ctx, n.port, "/", handshakes, concurrency, n.pid(), clkTck);
                    }
                }
            }
            if (!gw.alive()) {
                System.out.println("the gateway died; see " + dir.resolve("logs"));
                rc = 2;
            }
        }
        System.exit(rc);
    }

    /** The gateway's Java runtime, from its /proc/PID/exe. */
    private static String runtime(long pid) {
        try {
            return Path.of("/proc", Long.toString(pid), "exe").toRealPath().toString();
        } catch (IOException e) {
            return "(unknown runtime)";
        }
    }

    /** The outcome of N enrollments: latencies of the successful ones, errors (retried) and failures (given up). */
    private static final class Run {
        final long[] latencyNanos;
        int ok;
        int errors;
        int failed;
        long nanos;
        List<X509Certificate> trust = List.of();

        Run(int n) {
            latencyNanos = new long[n];
        }

        double rate() {
            return ok / (nanos / 1e9);
        }

        double percentile(int p) {
            long[] done = Arrays.copyOf(latencyNanos, ok);
            Arrays.sort(done);
            if (done.length == 0) {
                return Double.NaN;
            }
            int i = (int) Math.min(done.length - 1, Math.ceil(p / 100.0 * done.length) - 1);
            return done[Math.max(0, i)] / 1e6;
        }
    }

    /** {@code n} enrollments, {@code k} at once; an error is retried up to 5 times after a short pause. */
    private static Run run(Enroller enroller, URI est, CaPin pin, EnrollmentToken token, String prefix, int n, int k)
            throws Exception {
        Run r = new Run(n);
        AtomicInteger next = new AtomicInteger();
        AtomicInteger ok = new AtomicInteger();
        AtomicInteger errors = new AtomicInteger();
        AtomicInteger failed = new AtomicInteger();
        ExecutorService pool = Executors.newFixedThreadPool(k);
        long t0 = System.nanoTime();
        try {
            List<Future<?>> workers = new ArrayList<>();
            for (int w = 0; w < k; w++) {
                workers.add(pool.submit(() -> {
                    for (int i = next.getAndIncrement(); i < n; i = next.getAndIncrement()) {
                        for (int attempt = 1; ; attempt++) {
                            long s = System.nanoTime();
                            try {
                                Credentials c = enroller.enroll(est, pin, token, String.format("%s-%05d", prefix, i));
                                r.latencyNanos[ok.getAndIncrement()] = System.nanoTime() - s;
                                if (i == 0) {
                                    r.trust = c.trustBundle();
                                }
                                break;
                            } catch (IOException e) {
                                errors.incrementAndGet();
                                if (attempt >= 5) {
                                    failed.incrementAndGet();
                                    System.out.printf("enrollment %s-%05d failed for good: %s%n", prefix, i, e);
                                    break;
                                }
                                Thread.sleep(100L * attempt);
                            }
                        }
                    }
                    return null;
                }));
            }
            for (Future<?> f : workers) {
                f.get();
            }
        } finally {
            pool.shutdownNow();
        }
        r.nanos = System.nanoTime() - t0;
        r.ok = ok.get();
        r.errors = errors.get();
        r.failed = failed.get();
        return r;
    }

    /** CPU ms (utime + stime) of the live threads of {@code pid}, summed per group of {@link #GROUPS}. */
    static Map<String, Double> threads(long pid, int clkTck) throws IOException {
        Map<String, Double> ms = new HashMap<>();
        try (DirectoryStream<Path> tasks = Files.newDirectoryStream(Path.of("/proc", Long.toString(pid), "task"))) {
            for (Path t : tasks) {
                String stat;
                try {
                    stat = Files.readString(t.resolve("stat"), StandardCharsets.US_ASCII);
                } catch (IOException e) {
                    continue; // exited in between
                }
                String name = stat.substring(stat.indexOf('(') + 1, stat.lastIndexOf(')'));
                String[] f = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
                double cpu = (Long.parseLong(f[11]) + Long.parseLong(f[12])) * 1000.0 / clkTck;
                for (String prefix : GROUPS.keySet()) {
                    if (name.startsWith(prefix)) {
                        ms.merge(prefix, cpu, Double::sum);
                        break;
                    }
                }
            }
        }
        return ms;
    }

    private static SSLContext clientContext(List<X509Certificate> trust) throws Exception {
        KeyStore ks = KeyStore.getInstance("PKCS12");
        ks.load(null, null);
        for (int i = 0; i < trust.size(); i++) {
            ks.setCertificateEntry("ca" + i, trust.get(i));
        }
        TrustManagerFactory tmf = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
        tmf.init(ks);
        SSLContext ctx = SSLContext.getInstance("TLSv1.3");
        ctx.init(null, tmf.getTrustManagers(), new SecureRandom());
        // Every connection a full handshake, as a new agent's: no session resumption.
        ctx.getClientSessionContext().setSessionCacheSize(1);
        ctx.getClientSessionContext().setSessionTimeout(1);
        return ctx;
    }

    /**
     * {@code n} full TLS 1.3 handshakes ({@code k} at once; X25519, the JDK client's first group, and ECDSA P-256
     * SHA-256, the server certificate's key), each on a new connection
     * that sends one GET of {@code path} and reads the answer to its end; prints the server's CPU per handshake.
     * A warm-up of {@code n / 2} comes first, untimed.
     */
    private static void handshakes(String name, SSLContext ctx, int port, String path, int n, int k, long pid,
            int clkTck) throws Exception {
        handshakeRun(ctx, port, path, n / 2, k);
        ProcProbe probe = new ProcProbe(clkTck, pid);
        double cpu0 = probe.cpuMillis();
        long t0 = System.nanoTime();
        int[] res = handshakeRun(ctx, port, path, n, k);
        double seconds = (System.nanoTime() - t0) / 1e9;
        double cpu = probe.cpuMillis() - cpu0;
        System.out.printf("handshakes, %-7s: %d TLS 1.3 connections (X25519, ECDSA P-256), %d at once, one GET %s "
                + "each: %.0f/s, %d errors, server CPU %.3f ms per connection%n", name, res[0], k, path,
                res[0] / seconds, res[1], cpu / Math.max(1, res[0]));
    }

    private static int[] handshakeRun(SSLContext ctx, int port, String path, int n, int k) throws Exception {
        AtomicInteger next = new AtomicInteger();
        AtomicInteger ok = new AtomicInteger();
        AtomicInteger errors = new AtomicInteger();
        byte[] request = ("GET " + path + " HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n")
                .getBytes(StandardCharsets.US_ASCII);
        ExecutorService pool = Executors.newFixedThreadPool(k);
        try {
            List<Future<?>> workers = new ArrayList<>();
            for (int w = 0; w < k; w++) {
                workers.add(pool.submit(() -> {
                    byte[] buf = new byte[16384];
                    while (next.getAndIncrement() < n) {
                        try (SSLSocket s = (SSLSocket) ctx.getSocketFactory().createSocket("127.0.0.1", port)) {
                            s.setSoTimeout(30_000);
                            SSLParameters p = s.getSSLParameters();
                            p.setProtocols(new String[] {"TLSv1.3"});
                            p.setServerNames(List.of());
                            s.setSSLParameters(p);
                            s.startHandshake();
                            OutputStream out = s.getOutputStream();
                            out.write(request);
                            out.flush();
                            InputStream in = s.getInputStream();
                            int total = 0;
                            for (int got; (got = in.read(buf)) > 0; ) {
                                total += got;
                            }
                            if (total > 0) {
                                ok.incrementAndGet();
                            } else {
                                errors.incrementAndGet();
                            }
                        } catch (IOException e) {
                            errors.incrementAndGet();
                        }
                    }
                    return null;
                }));
            }
            for (Future<?> f : workers) {
                f.get();
            }
        } finally {
            pool.shutdownNow();
        }
        return new int[] {ok.get(), errors.get()};
    }

    /** nginx from the system on a loopback port: TLS 1.3 only, the gateway's server certificate, 200 "ok". */
    private static final class Nginx implements AutoCloseable {
        final Process process;
        final int port;

        private Nginx(Process process, int port) {
            this.process = process;
            this.port = port;
        }

        long pid() {
            return process.pid();
        }

        static Nginx start(String binary, Path dir, Path cert, Path key) throws Exception {
            Files.createDirectories(dir.resolve("logs"));
            Files.createDirectories(dir.resolve("tmp"));
            IOException last = null;
            for (int attempt = 0; attempt < 5; attempt++) {
                int port;
                try (var probe = new java.net.ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
                    port = probe.getLocalPort();
                }
                Files.writeString(dir.resolve("nginx.conf"), """
                        # Written by bench/enrollment.sh: TLS 1.3 handshakes with the gateway's certificate.
                        daemon off;
                        worker_processes auto;
                        pid %1$s/nginx.pid;
                        error_log %1$s/logs/error.log warn;
                        events { worker_connections 1024; }
                        http {
                            access_log off;
                            client_body_temp_path %1$s/tmp/body;
                            proxy_temp_path %1$s/tmp/proxy;
                            fastcgi_temp_path %1$s/tmp/fastcgi;
                            uwsgi_temp_path %1$s/tmp/uwsgi;
                            scgi_temp_path %1$s/tmp/scgi;
                            server {
                                listen 127.0.0.1:%2$d ssl;
                                ssl_protocols TLSv1.3;
                                ssl_session_cache off;
                                ssl_session_tickets off;
                                ssl_certificate %3$s;
                                ssl_certificate_key %4$s;
                                location / { return 200 "ok\\n"; }
                            }
                        }
                        """.formatted(dir, port, cert, key));
                Process p = new ProcessBuilder(binary, "-p", dir.toString(), "-c", dir.resolve("nginx.conf").toString())
                        .redirectErrorStream(true).redirectOutput(dir.resolve("logs/nginx.out").toFile()).start();
                long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
                while (System.nanoTime() < end && p.isAlive()) {
                    try (var s = new java.net.Socket("127.0.0.1", port)) {
                        return new Nginx(p, port);
                    } catch (IOException e) {
                        last = e;
                        Thread.sleep(100);
                    }
                }
                p.destroy();
                p.waitFor(10, TimeUnit.SECONDS);
            }
            throw new IOException("nginx did not listen; see " + dir.resolve("logs"), last);
        }

        @Override
        public void close() throws InterruptedException {
            process.destroy();
            if (!process.waitFor(10, TimeUnit.SECONDS)) {
                process.destroyForcibly();
            }
        }
    }
}
