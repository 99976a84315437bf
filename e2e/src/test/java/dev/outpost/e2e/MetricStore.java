package dev.outpost.e2e;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.net.ServerSocket;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Assumptions;

/**
 * A real time-series store, run by the test as a process on a loopback port with its data in a temporary
 * directory: Prometheus (with its remote write receiver and an out-of-order window, for backlogs) or
 * VictoriaMetrics, both from Debian's packages (test.sh installs them). Queried with PromQL over HTTP.
 */
final class MetricStore implements AutoCloseable {
    enum Kind { PROMETHEUS, VICTORIA_METRICS }

    final Kind kind;
    final Path dir;
    final int port;
    private final Path logs;
    private Process process;
    private int starts;
    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();
    private final ObjectMapper json = new ObjectMapper();

    private MetricStore(Kind kind, Path dir, Path logs, int port) {
        this.kind = kind;
        this.dir = dir;
        this.logs = logs;
        this.port = port;
    }

    /** Starts the store in {@code root/name}; skips the test (with the reason) when the program is not installed. */
    static MetricStore start(Kind kind, Path root, String name) throws Exception {
        String program = kind == Kind.PROMETHEUS ? "/usr/bin/prometheus" : "/usr/bin/victoria-metrics";
        Assumptions.assumeTrue(Files.isExecutable(Path.of(program)), program + " is not installed; ./test.sh "
                + "installs it from apt");
        int port;
        try (ServerSocket s = new ServerSocket(0)) {
            port = s.getLocalPort();
        }
        MetricStore store = new MetricStore(kind, Files.createDirectories(root.resolve(name)),
                Files.createDirectories(root.resolve("logs")), port);
        store.start();
        return store;
    }

    /** (Re)starts the process on the same port and data, and waits until it answers. */
    void start() throws Exception {
        List<String> cmd = new ArrayList<>();
        if (kind == Kind.PROMETHEUS) {
            Path config = dir.resolve("prometheus.yml");
            Files.writeString(config, "global:\n  scrape_interval: 1h\nstorage:\n  tsdb:\n"
                    + "    out_of_order_time_window: 12h\n");
            cmd.addAll(List.of("/usr/bin/prometheus", "--config.file=" + config, "--storage.tsdb.path="
                    + dir.resolve("data"), "--web.listen-address=127.0.0.1:" + port,
                    "--web.enable-remote-write-receiver", "--log.level=warn"));
        } else {
            cmd.addAll(List.of("/usr/bin/victoria-metrics", "-storageDataPath=" + dir.resolve("data"),
                    "-httpListenAddr=127.0.0.1:" + port, "-retentionPeriod=100y", "-search.latencyOffset=0s",
                    "-search.disableCache", "-loggerLevel=WARN"));
        }
        ProcessBuilder pb = new ProcessBuilder(cmd);
        String log = kind.name().toLowerCase() + "-" + dir.getFileName() + "-" + (++starts);
        pb.redirectOutput(logs.resolve(log + ".out").toFile());
        pb.redirectError(logs.resolve(log + ".err").toFile());
        process = pb.start();
        Proc.await(this::ready, Duration.ofSeconds(60), kind + " on port " + port + " to answer");
    }

    private boolean ready() {
        if (!process.isAlive()) {
            throw new AssertionError(kind + " exited with " + process.exitValue() + "; see its log in " + logs);
        }
        try {
            String path = kind == Kind.PROMETHEUS ? "/-/ready" : "/health";
            return http.send(HttpRequest.newBuilder(URI.create(base() + path)).timeout(Duration.ofSeconds(2)).build(),
                    HttpResponse.BodyHandlers.discarding()).statusCode() == 200;
        } catch (IOException e) {
            return false;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
    }

    String base() {
        return "http://127.0.0.1:" + port;
    }

    /** The remote write URL, with {@code query} appended if not empty. */
    String writeUrl(String query) {
        return base() + "/api/v1/write" + (query.isEmpty() ? "" : "?" + query);
    }

    /** Stops the process: SIGTERM (flushes), or SIGKILL when {@code kill}. */
    void stop(boolean kill) throws Exception {
        if (kill) {
            process.destroyForcibly();
        } else {
            process.destroy();
        }
        if (!process.waitFor(30, TimeUnit.SECONDS)) {
            process.destroyForcibly();
            process.waitFor(10, TimeUnit.SECONDS);
        }
    }

    /** The result of an instant PromQL query ({@code data.result}). */
    JsonNode query(String promql) throws Exception {
        HttpResponse<String> r = http.send(HttpRequest.newBuilder(URI.create(base() + "/api/v1/query?query="
                + URLEncoder.encode(promql, StandardCharsets.UTF_8))).timeout(Duration.ofSeconds(10)).build(),
                HttpResponse.BodyHandlers.ofString());
        JsonNode n = json.readTree(r.body());
        if (r.statusCode() != 200 || !"success".equals(n.path("status").asText())) {
            throw new AssertionError(kind + " refused " + promql + ": " + r.body());
        }
        return n.path("data").path("result");
    }

    /** The timestamps (ms) of the raw samples of the one series {@code selector} matches, over {@code range}. */
    List<Long> sampleTimes(String selector, String range) throws Exception {
        JsonNode result = query(selector + "[" + range + "]");
        List<Long> out = new ArrayList<>();
        if (result.size() > 1) {
            throw new AssertionError(selector + " matches " + result.size() + " series: " + result);
        }
        for (JsonNode series : result) {
            for (JsonNode v : series.path("values")) {
                out.add(Math.round(v.get(0).asDouble() * 1000));
            }
        }
        return out;
    }

    @Override
    public void close() throws Exception {
        if (process != null && process.isAlive()) {
            stop(false);
        }
    }
}
