package dev.outpost.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * bench/enrollment.sh: its arguments. A run starts a gateway JVM and enrolls thousands of agents, more than a default
 * test should take: it is a benchmark (README, "Enrollment benchmark").
 */
class EnrollmentScriptTest {
    private static final Path SCRIPT = Path.of("..").toAbsolutePath().normalize().resolve("bench/enrollment.sh");

    @Test
    void answersHelpRefusesBadArgumentsAndIsShellcheckClean(@TempDir Path dir) throws Exception {
        FleetScriptTest.Result help = FleetScriptTest.run(dir, SCRIPT.toString(), "--help");
        assertEquals(0, help.exit(), help.output());
        assertTrue(help.output().startsWith("Usage: bench/enrollment.sh"), help.output());
        Map<String[], String> refused = Map.of(
                new String[] {"--agents", "many"}, "--agents \"many\" is not a whole number",
                new String[] {"--warmup", "2000000"}, "--warmup must be at most 1000000",
                new String[] {"--concurrency", "0"}, "--concurrency must be at least 1",
                new String[] {"--agents", "0"}, "--agents must be at least 1",
                new String[] {"--gateway-java", dir.toString()}, "has no executable bin/java",
                new String[] {"--frobnicate"}, "unknown argument \"--frobnicate\"");
        for (Map.Entry<String[], String> e : refused.entrySet()) {
            String[] command = new String[e.getKey().length + 1];
            command[0] = SCRIPT.toString();
            System.arraycopy(e.getKey(), 0, command, 1, e.getKey().length);
            FleetScriptTest.Result r = FleetScriptTest.run(dir, command);
            assertEquals(64, r.exit(), r.output());
            assertTrue(r.output().contains(e.getValue()), r.output());
        }
        FleetScriptTest.Result lint = FleetScriptTest.run(dir, "shellcheck", "-x", SCRIPT.toString());
        assertEquals(0, lint.exit(), lint.output());
    }
}
