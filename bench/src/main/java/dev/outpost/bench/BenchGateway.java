package dev.outpost.bench;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * A gateway process of the cluster benchmark, run through the packaged launcher ({@code packaging/bin}) with the
 * environment given: initialised in a directory of its own, or joined to a first one's fleet as the README says
 * (its {@code ca/}, {@code token-pepper} and {@code gateway.yaml} copied, the master key from a credential
 * directory of its own). Served on ephemeral loopback ports; stopped by its PID.
 */
final class BenchGateway implements AutoCloseable {
    private static final Pattern PIN = Pattern.compile("(?m)^ca pin: *(sha256:[0-9a-f]{64})\\s*$");
    private static final Pattern TOKEN = Pattern.compile("(?m)^token: *(opt_[A-Za-z0-9_-]+)\\s*$");
    private final Path repo;
    final String name;
    final Path dir;
    private final Path logs;
    private final Map<String, String> env;
    final String pin;
    private Process process;
    private int starts;
    int estPort;
    int ingestPort;

    private BenchGateway(Path repo, String name, Path dir, Path logs, Map<String, String> env, String pin) {
        this.repo = repo;
        this.name = name;
        this.dir = dir;
        this.logs = logs;
        this.env = env;
        this.pin = pin;
    }

    /** {@code outpost-gateway init} in {@code root/name} (server certificate for localhost and 127.0.0.1). */
    static BenchGateway init(Path repo, Path root, String name, Map<String, String> env) throws Exception {
        Path logs = Files.createDirectories(root.resolve("logs"));
        BenchGateway g = new BenchGateway(repo, name, root.resolve(name), logs, env, null);
        String out = g.cli("init", "init", "--dir", g.dir.toString(), "--hostname", "localhost", "--hostname",
                "127.0.0.1");
        return new BenchGateway(repo, name, g.dir, logs, env, field(PIN, out, "ca pin"));
    }

    /** A second gateway of this one's fleet in {@code root/name}, sharing its CA, pepper, config and state. */
    BenchGateway join(Path root, String other) throws IOException {
        Path d = root.resolve(other);
        Files.createDirectories(d);
        Files.setPosixFilePermissions(d, PosixFilePermissions.fromString("rwx------"));
        try (Stream<Path> s = Files.walk(dir.resolve("ca"))) {
            for (Path p : s.toList()) {
                Path target = d.resolve("ca").resolve(dir.resolve("ca").relativize(p).toString());
                if (Files.isDirectory(p)) {
                    Files.createDirectories(target);
                    Files.setPosixFilePermissions(target, Files.getPosixFilePermissions(p));
                } else {
                    Files.copy(p, target, StandardCopyOption.COPY_ATTRIBUTES);
                }
            }
        }
        Files.copy(dir.resolve("token-pepper"), d.resolve("token-pepper"), StandardCopyOption.COPY_ATTRIBUTES);
        Files.copy(dir.resolve("gateway.yaml"), d.resolve("gateway.yaml"));
        Path credentials = Files.createDirectories(root.resolve(other + "-credentials"));
        Path key = credentials.resolve("outpost-master-key");
        Files.write(key, Files.readAllBytes(dir.resolve("master.key")));
        Files.setPosixFilePermissions(key, PosixFilePermissions.fromString("rw-------"));
        Map<String, String> all = new HashMap<>(env);
        all.put("CREDENTIALS_DIRECTORY", credentials.toString());
        return new BenchGateway(repo, other, d, logs, all, pin);
    }

    /** {@code serve} on the given loopback ports (0: ephemeral), waiting until both listeners are up. */
    void serve(int est, int ingest) throws Exception {
        Map<String, String> all = new HashMap<>(env);
        all.put("OUTPOST_GATEWAY_EST_LISTEN", "127.0.0.1:" + est);
        all.put("OUTPOST_GATEWAY_INGEST_LISTEN", "127.0.0.1:" + ingest);
        Path log = logs.resolve(name + "-serve-" + (++starts) + ".log");
        process = start(all, log, "serve", "--dir", dir.toString());
        estPort = Integer.parseInt(awaitLog(log, Pattern.compile(
                "EST listening on https://127\\.0\\.0\\.1:(\\d+)/"), 180));
        ingestPort = Integer.parseInt(awaitLog(log, Pattern.compile(
                "ingest listening on https://127\\.0\\.0\\.1:(\\d+)/"), 60));
    }

    /** A token of org "fleet" with {@code uses} uses, made with the CLI against this gateway's state. */
    String token(int uses) throws Exception {
        return field(TOKEN, cli("token", "token", "create", "--dir", dir.toString(), "--org", "fleet", "--uses",
                Integer.toString(uses)), "token");
    }

    long pid() {
        return process.pid();
    }

    boolean alive() {
        return process != null && process.isAlive();
    }

    /** SIGKILL (the launcher execs the JVM, so this is the gateway itself), waiting until it is gone. */
    void kill() throws InterruptedException {
        process.destroyForcibly();
        process.waitFor(30, TimeUnit.SECONDS);
    }

    /** SIGTERM, then SIGKILL after 30 s. */
    @Override
    public void close() throws InterruptedException {
        if (process != null && process.isAlive()) {
            process.destroy();
            if (!process.waitFor(30, TimeUnit.SECONDS)) {
                kill();
            }
        }
    }

    /** The file sink's files of the gateway in {@code dir}, every org. */
    static List<Path> sinkFiles(Path dir) throws IOException {
        Path metrics = dir.resolve("metrics");
        if (!Files.isDirectory(metrics)) {
            return List.of();
        }
        try (Stream<Path> s = Files.walk(metrics)) {
            return s.filter(Files::isRegularFile).sorted().toList();
        }
    }

    private String cli(String logName, String... args) throws Exception {
        Path log = logs.resolve(name + "-" + logName + "-" + System.nanoTime() + ".log");
        Process p = start(env, log, args);
        if (!p.waitFor(180, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            throw new IOException("outpost-gateway " + args[0] + " did not finish within 180 s; see " + log);
        }
        String out = Files.readString(log, StandardCharsets.UTF_8);
        if (p.exitValue() != 0) {
            throw new IOException("outpost-gateway " + String.join(" ", args) + " exited " + p.exitValue() + ": "
                    + out);
        }
        return out;
    }

    private Process start(Map<String, String> vars, Path log, String... args) throws IOException {
        List<String> cmd = new ArrayList<>();
        cmd.add(repo.resolve("packaging/bin/outpost-gateway").toString());
        cmd.addAll(List.of(args));
        ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(log.toFile())
                .redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null")));
        pb.environment().remove("OUTPOST_GATEWAY_DIR");
        pb.environment().putAll(vars);
        return pb.start();
    }

    private String awaitLog(Path log, Pattern p, int seconds) throws Exception {
        long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(seconds);
        while (System.nanoTime() < end) {
            Matcher m = p.matcher(Files.readString(log, StandardCharsets.UTF_8));
            if (m.find()) {
                return m.group(1);
            }
            if (!process.isAlive()) {
                throw new IOException(name + " exited " + process.exitValue() + " before logging \"" + p
                        + "\"; see " + log);
            }
            Thread.sleep(200);
        }
        throw new IOException(name + " did not log \"" + p + "\" within " + seconds + " s; see " + log);
    }

    private static String field(Pattern p, String out, String what) throws IOException {
        Matcher m = p.matcher(out);
        if (!m.find()) {
            throw new IOException("no \"" + what + ":\" line in: " + out);
        }
        return m.group(1);
    }
}
