package dev.outpost.e2e;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** A program under test run as a process through its launcher, with stdout and stderr in files. */
final class Proc implements AutoCloseable {
    static final Path REPO = Path.of(System.getProperty("user.dir")).getParent();
    final Process process;
    final Path stdout;
    final Path stderr;

    private Proc(Process process, Path stdout, Path stderr) {
        this.process = process;
        this.stdout = stdout;
        this.stderr = stderr;
    }

    /** Starts {@code packaging/bin/<program> args...} with extra environment; output goes to {@code logDir}. */
    static Proc start(String program, Path logDir, String logName, Map<String, String> env, String... args)
            throws IOException {
        List<String> cmd = new ArrayList<>();
        cmd.add(REPO.resolve("packaging/bin").resolve(program).toString());
        cmd.addAll(List.of(args));
        ProcessBuilder pb = new ProcessBuilder(cmd);
        pb.environment().put("OUTPOST_AGENT_JAR", REPO.resolve("agent/target/outpost-agent.jar").toString());
        pb.environment().put("OUTPOST_GATEWAY_JAR", REPO.resolve("gateway/target/outpost-gateway.jar").toString());
        pb.environment().remove("OUTPOST_GATEWAY_DIR");
        pb.environment().putAll(env);
        Files.createDirectories(logDir);
        Path out = logDir.resolve(logName + ".out");
        Path err = logDir.resolve(logName + ".err");
        pb.redirectOutput(out.toFile());
        pb.redirectError(err.toFile());
        pb.redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null")));
        return new Proc(pb.start(), out, err);
    }

    /** Starts another program under test (a server the test needs, e.g. HAProxy); output goes to {@code logDir}. */
    static Proc startCommand(List<String> cmd, Path logDir, String logName) throws IOException {
        ProcessBuilder pb = new ProcessBuilder(cmd);
        Files.createDirectories(logDir);
        Path out = logDir.resolve(logName + ".out");
        Path err = logDir.resolve(logName + ".err");
        pb.redirectOutput(out.toFile());
        pb.redirectError(err.toFile());
        pb.redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null")));
        return new Proc(pb.start(), out, err);
    }

    /** Runs to completion (bounded) and returns the exit code. */
    static Result run(String program, Path logDir, String logName, Map<String, String> env, String... args)
            throws IOException, InterruptedException {
        try (Proc p = start(program, logDir, logName, env, args)) {
            if (!p.process.waitFor(120, TimeUnit.SECONDS)) {
                throw new AssertionError(program + " " + String.join(" ", args) + " did not finish in 120 s");
            }
            return new Result(p.process.exitValue(), p.out(), p.err());
        }
    }

    record Result(int exit, String out, String err) {
        @Override
        public String toString() {
            return "exit " + exit + "\n--- stdout\n" + out + "\n--- stderr\n" + err;
        }
    }

    String out() throws IOException {
        return Files.readString(stdout, StandardCharsets.UTF_8);
    }

    String err() throws IOException {
        return Files.readString(stderr, StandardCharsets.UTF_8);
    }

    long pid() {
        return process.pid();
    }

    /** Waits (bounded) for {@code pattern} in stderr and returns its first group. */
    String awaitLog(Pattern pattern, Duration timeout) throws Exception {
        String[] found = new String[1];
        try {
            awaitLogLine(pattern, timeout, found);
        } catch (AssertionError e) {
            String log = err();
            throw new AssertionError(e.getMessage() + "; the log's last lines:\n"
                    + log.substring(Math.max(0, log.length() - 3000)), e);
        }
        return found[0];
    }

    private void awaitLogLine(Pattern pattern, Duration timeout, String[] found) throws Exception {
        await(() -> {
            try {
                Matcher m = pattern.matcher(err());
                if (m.find()) {
                    found[0] = m.groupCount() > 0 ? m.group(1) : m.group();
                    return true;
                }
                if (!process.isAlive()) {
                    throw new AssertionError("process exited " + process.exitValue() + " before logging " + pattern
                            + ":\n" + err());
                }
                return false;
            } catch (IOException e) {
                return false;
            }
        }, timeout, "log line " + pattern);
    }

    /** Polls {@code condition} every 100 ms until it holds or {@code timeout} passes. */
    static void await(BooleanSupplier condition, Duration timeout, String what) throws InterruptedException {
        long end = System.nanoTime() + timeout.toNanos();
        while (System.nanoTime() < end) {
            if (condition.getAsBoolean()) {
                return;
            }
            Thread.sleep(100);
        }
        throw new AssertionError("timed out after " + timeout.toSeconds() + " s waiting for " + what);
    }

    /** SIGTERM, then (bounded) SIGKILL; returns the exit code. */
    int stop() throws InterruptedException {
        process.destroy();
        if (!process.waitFor(20, TimeUnit.SECONDS)) {
            process.destroyForcibly();
            process.waitFor(10, TimeUnit.SECONDS);
        }
        return process.exitValue();
    }

    @Override
    public void close() throws InterruptedException {
        if (process.isAlive()) {
            stop();
        }
    }
}
