package dev.outpost.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * bench/fleet.sh works: a small fleet (a few agents, a few seconds) against the real gateway and nginx prints the
 * table with both rows and the ratios and exits 0. Speed is the benchmark's to print, never asserted here.
 */
class FleetScriptTest {
    private static final Path REPO = Path.of("..").toAbsolutePath().normalize();
    private static final Path SCRIPT = REPO.resolve("bench/fleet.sh");

    @Test
    void aSmallFleetRunPrintsTheTableForTheGatewayAndNginx(@TempDir Path dir) throws Exception {
        Result r = run(dir, SCRIPT.toString(), "--agents", "4", "--rate", "8", "--warmup", "1", "--duration", "3",
                "--no-build", "--dir", dir.resolve("run").toString());
        assertEquals(0, r.exit, r.output);
        assertTrue(r.output.contains("enrollment: 4 agents enrolled over EST"), r.output);
        assertTrue(Pattern.compile("(?m)^server +conns +offered/s +achieved/s +p50 ms +p99 ms +max ms +errors "
                + "+CPU ms/batch +RSS MiB$").matcher(r.output).find(), r.output);
        assertTrue(Pattern.compile("(?m)^gateway +4 +8\\.0 +\\d+\\.\\d +\\d+\\.\\d +\\d+\\.\\d +\\d+\\.\\d +\\d+ "
                + "+\\d+\\.\\d{3} +\\d+\\.\\d$").matcher(r.output).find(), r.output);
        assertTrue(Pattern.compile("(?m)^nginx +4 +8\\.0 ").matcher(r.output).find(), r.output);
        assertTrue(Pattern.compile("(?m)^gateway/nginx +\\d+\\.\\d\\dx").matcher(r.output).find(), r.output);
        assertTrue(r.output.contains("the servers lived"), r.output);
        // The agents' keys are private to the run.
        assertEquals("rw-------", java.nio.file.attribute.PosixFilePermissions.toString(
                Files.getPosixFilePermissions(dir.resolve("run/agents/agents.txt"))));

        // A second run with the same directory reuses the gateway and the enrolled agents.
        Result again = run(dir, SCRIPT.toString(), "--agents", "4", "--rate", "8", "--warmup", "1", "--duration",
                "2", "--no-build", "--no-nginx", "--dir", dir.resolve("run").toString());
        assertEquals(0, again.exit, again.output);
        assertTrue(again.output.contains("enrollment: 4 agents of an earlier run"), again.output);
    }

    @Test
    void answersHelpRefusesBadArgumentsAndIsShellcheckClean(@TempDir Path dir) throws Exception {
        Result help = run(dir, SCRIPT.toString(), "--help");
        assertEquals(0, help.exit, help.output);
        assertTrue(help.output.startsWith("Usage: bench/fleet.sh"), help.output);
        Result bad = run(dir, SCRIPT.toString(), "--agents", "many");
        assertEquals(64, bad.exit, bad.output);
        assertTrue(bad.output.contains("--agents \"many\" is not a whole number"), bad.output);
        Result lint = run(dir, "shellcheck", "-x", SCRIPT.toString());
        assertEquals(0, lint.exit, lint.output);
    }

    /** A command's exit status and output (stdout and stderr). */
    record Result(int exit, String output) {
    }

    /** Runs {@code command} in the repository, its output in a file of {@code dir}; fails after 300 s. */
    static Result run(Path dir, String... command) throws IOException, InterruptedException {
        Path log = Files.createTempFile(dir, "out", ".log");
        Process p = new ProcessBuilder(List.of(command)).directory(REPO.toFile()).redirectErrorStream(true)
                .redirectOutput(log.toFile()).start();
        if (!p.waitFor(300, TimeUnit.SECONDS)) {
            p.destroy();
            if (!p.waitFor(20, TimeUnit.SECONDS)) {
                p.destroyForcibly();
            }
            throw new AssertionError(String.join(" ", command) + " did not finish within 300 s:\n"
                    + Files.readString(log, StandardCharsets.UTF_8));
        }
        return new Result(p.exitValue(), Files.readString(log, StandardCharsets.UTF_8));
    }
}
