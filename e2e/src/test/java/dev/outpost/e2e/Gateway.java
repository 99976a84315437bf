package dev.outpost.e2e;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.ByteArrayInputStream;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import java.util.zip.GZIPInputStream;

/** A gateway initialised in a fresh directory and served on ephemeral loopback ports. */
final class Gateway implements AutoCloseable {
    final Path dir;
    final Path logs;
    final String name;
    final String pin;
    /** Extra environment of {@code serve} (settings such as OUTPOST_GATEWAY_CA_AGENT_CERT_VALIDITY). */
    final Map<String, String> env;
    Proc proc;
    int estPort;
    int ingestPort;
    private int starts;

    private Gateway(Path dir, Path logs, String name, String pin, Map<String, String> env) {
        this.env = env;
        this.dir = dir;
        this.logs = logs;
        this.name = name;
        this.pin = pin;
    }

    static Gateway start(Path root) throws Exception {
        return start(root, "gateway", Map.of(), "localhost", "127.0.0.1");
    }

    /** A gateway in {@code root/name} whose server certificate names only {@code hostnames}. */
    static Gateway start(Path root, String name, String... hostnames) throws Exception {
        return start(root, name, Map.of(), hostnames);
    }

    /** As above, served with the extra environment {@code env}. */
    static Gateway start(Path root, String name, Map<String, String> env, String... hostnames) throws Exception {
        Path dir = root.resolve(name);
        Path logs = root.resolve("logs");
        List<String> args = new ArrayList<>(List.of("init", "--dir", dir.toString()));
        for (String h : hostnames) {
            args.add("--hostname");
            args.add(h);
        }
        Proc.Result init = Proc.run("outpost-gateway", logs, name + "-init", env, args.toArray(String[]::new));
        if (init.exit() != 0) {
            throw new AssertionError("init failed: " + init);
        }
        Gateway g = new Gateway(dir, logs, name, field(init.out(), "ca pin"), env);
        g.serve(0, 0);
        return g;
    }

    /**
     * A second gateway of {@code first}'s fleet in {@code root/name}, as the README sets one up: only its config
     * ({@code gateway.yaml}, and {@code env}: the shared PostgreSQL state) and the same master key, from a
     * systemd-style credential directory of its own. No {@code ca/} or {@code token-pepper} is copied: it finds the
     * CA and the pepper in the database, and issues its own server certificate at its first start.
     */
    static Gateway join(Gateway first, Path root, String name, Map<String, String> env) throws Exception {
        Path dir = root.resolve(name);
        Files.createDirectories(dir);
        Files.setPosixFilePermissions(dir, java.nio.file.attribute.PosixFilePermissions.fromString("rwx------"));
        Files.copy(first.dir.resolve("gateway.yaml"), dir.resolve("gateway.yaml"));
        Path credentials = Files.createDirectories(root.resolve(name + "-credentials"));
        SeveralGatewaysTest.secretFile(credentials.resolve("outpost-master-key"),
                Files.readAllBytes(first.dir.resolve("master.key")));
        Map<String, String> all = new java.util.HashMap<>(env);
        all.put("CREDENTIALS_DIRECTORY", credentials.toString());
        Gateway g = new Gateway(dir, first.logs, name, first.pin, all);
        g.serve(0, 0);
        return g;
    }

    /** Starts {@code serve} on the given ports (0: ephemeral) and waits until both listeners are up. */
    void serve(int est, int ingest) throws Exception {
        Map<String, String> all = new java.util.HashMap<>(env);
        all.put("OUTPOST_GATEWAY_EST_LISTEN", "127.0.0.1:" + est);
        all.put("OUTPOST_GATEWAY_INGEST_LISTEN", "127.0.0.1:" + ingest);
        proc = Proc.start("outpost-gateway", logs, name + "-" + (++starts), all, "serve", "--dir", dir.toString());
        estPort = Integer.parseInt(proc.awaitLog(
                Pattern.compile("EST listening on https://127\\.0\\.0\\.1:(\\d+)/\\.well-known/est/"),
                Duration.ofSeconds(60)));
        ingestPort = Integer.parseInt(proc.awaitLog(
                Pattern.compile("ingest listening on https://127\\.0\\.0\\.1:(\\d+)/v1/metrics"), Duration.ofSeconds(60)));
    }

    /** Stops (SIGTERM, or SIGKILL when {@code kill}) and starts again on the same ports. */
    void restart(boolean kill) throws Exception {
        stop(kill);
        serve(estPort, ingestPort);
    }

    /** Stops the gateway: SIGTERM, or SIGKILL when {@code kill}. */
    void stop(boolean kill) throws Exception {
        if (kill) {
            proc.process.destroyForcibly();
            proc.process.waitFor();
        } else {
            proc.stop();
        }
    }

    /** {@code token create}; returns the token text. */
    String createToken(String org, int uses) throws Exception {
        Proc.Result r = Proc.run("outpost-gateway", logs, "token-" + dir.getFileName() + "-" + org, Map.of(), "token", "create", "--dir",
                dir.toString(), "--org", org, "--uses", Integer.toString(uses));
        if (r.exit() != 0) {
            throw new AssertionError("token create failed: " + r);
        }
        return field(r.out(), "token");
    }

    String estUrl() {
        return "https://127.0.0.1:" + estPort;
    }

    String ingestUrl() {
        return "https://127.0.0.1:" + ingestPort + "/v1/metrics";
    }

    /** Every line written to the file sink so far. */
    /**
     * Every data point in the file sink as one JSON object, as a reader flattening the documented format would:
     * {@code time, org, agent, host, batch, metric, kind, unit, attributes, value} (histograms: {@code sum, count}
     * beside {@code value}) and the batch's {@code resource}. Orgs in name order, each org's files in order.
     */
    List<String> sinkLines() throws Exception {
        return sinkLines(true);
    }

    /** As {@link #sinkLines()}, with each row's {@code resource} only when {@code withResource}. */
    List<String> sinkLines(boolean withResource) throws Exception {
        ObjectMapper json = new ObjectMapper();
        List<String> out = new ArrayList<>();
        JsonNode resource = json.createObjectNode();
        for (String line : sinkRaw()) {
            JsonNode n = json.readTree(line);
            if (n.has("resource")) {
                resource = n.get("resource");
                continue;
            }
            for (JsonNode p : n.path("points")) {
                ObjectNode row = json.createObjectNode();
                row.put("time", p.has("time") ? p.get("time").asText() : n.path("time").asText());
                for (String f : List.of("org", "agent", "host", "batch", "metric", "kind", "unit")) {
                    row.set(f, n.get(f));
                }
                row.set("attributes", p.get("attributes"));
                row.set("value", p.has("value") ? p.get("value") : p.get("sum"));
                if (p.has("count")) {
                    row.set("count", p.get("count"));
                }
                if (withResource) {
                    row.set("resource", resource);
                }
                out.add(json.writeValueAsString(row));
            }
        }
        return out;
    }

    /** Every line of every file of the file sink as written (gunzipped). */
    List<String> sinkRaw() throws Exception {
        List<String> out = new ArrayList<>();
        Path metrics = dir.resolve("metrics");
        if (!Files.isDirectory(metrics)) {
            return out;
        }
        List<Path> files;
        try (Stream<Path> s = Files.walk(metrics)) {
            files = s.filter(Files::isRegularFile).sorted().toList();
        }
        for (Path p : files) {
            byte[] bytes = Files.readAllBytes(p);
            if (p.toString().endsWith(".gz") && bytes.length > 0) {
                try (InputStream in = new GZIPInputStream(new ByteArrayInputStream(bytes))) {
                    bytes = in.readAllBytes();
                }
            }
            for (String line : new String(bytes, StandardCharsets.UTF_8).split("\n")) {
                if (!line.isEmpty()) {
                    out.add(line);
                }
            }
        }
        return out;
    }

    static String field(String output, String name) {
        Matcher m = Pattern.compile("(?m)^" + Pattern.quote(name) + ": (\\S+)$").matcher(output);
        if (!m.find()) {
            throw new AssertionError("no \"" + name + ": \" line in:\n" + output);
        }
        return m.group(1);
    }

    @Override
    public void close() throws Exception {
        proc.close();
    }
}
