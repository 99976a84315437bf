package dev.outpost.agent;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;

/**
 * {@code outpost-agent} run as its own process from this module's classes, with the JVM flags a test gives (e.g.
 * the launcher's small heap), so tests see what a user sees: exit codes, stderr, files. Stopped by its pid.
 */
public final class AgentProcess implements AutoCloseable {
    private final Process process;
    private final Path stderr;

    private AgentProcess(Process process, Path stderr) {
        this.process = process;
        this.stderr = stderr;
    }

    /** Starts {@code outpost-agent args...}; its output goes to files in {@code logDir}. */
    public static AgentProcess start(Path logDir, List<String> jvmFlags, String... args) throws IOException {
        Files.createDirectories(logDir);
        List<String> command = new ArrayList<>();
        command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        command.addAll(jvmFlags);
        command.add("-cp");
        command.add(System.getProperty("java.class.path"));
        command.add("dev.outpost.agent.Main");
        command.addAll(List.of(args));
        Path err = logDir.resolve("stderr.txt");
        Process p = new ProcessBuilder(command).redirectOutput(logDir.resolve("stdout.txt").toFile())
                .redirectError(err.toFile()).start();
        return new AgentProcess(p, err);
    }

    /** Runs {@code outpost-agent args...} to its end (at most 60 s) and returns its exit code. */
    public static AgentProcess run(Path logDir, List<String> jvmFlags, String... args)
            throws IOException, InterruptedException {
        AgentProcess p = start(logDir, jvmFlags, args);
        if (!p.process.waitFor(60, TimeUnit.SECONDS)) {
            p.close();
            throw new IllegalStateException("outpost-agent " + String.join(" ", args) + " did not end within 60 s: "
                    + p.stderr());
        }
        return p;
    }

    public int exitCode() {
        return process.exitValue();
    }

    public boolean isAlive() {
        return process.isAlive();
    }

    public String stderr() {
        try {
            return Files.readString(stderr, StandardCharsets.UTF_8);
        } catch (IOException e) {
            return "(unreadable: " + e + ")";
        }
    }

    /** Waits up to {@code timeout} for {@code condition}, checking every 50 ms; false if it never held. */
    public static boolean await(BooleanSupplier condition, Duration timeout) throws InterruptedException {
        long end = System.nanoTime() + timeout.toNanos();
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > end) {
                return false;
            }
            Thread.sleep(50);
        }
        return true;
    }

    /** SIGTERM, then waits up to 30 s for the exit; returns the exit code. */
    public int stop() throws InterruptedException {
        process.destroy();
        if (!process.waitFor(30, TimeUnit.SECONDS)) {
            process.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
        }
        return process.exitValue();
    }

    @Override
    public void close() throws InterruptedException {
        if (process.isAlive()) {
            process.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
        }
    }
}
