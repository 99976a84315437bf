package dev.outpost.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * bench/cycle.sh answers --help, refuses a bad argument with exit 64 and a line naming it, and is shellcheck-clean.
 * A real run takes minutes: it is a benchmark (README, "Footprint benchmark"), its figures never asserted here.
 */
class CycleScriptTest {
    private static final Path SCRIPT = Path.of("..").toAbsolutePath().normalize().resolve("bench/cycle.sh");

    @Test
    void answersHelpRefusesBadArgumentsAndIsShellcheckClean(@TempDir Path dir) throws Exception {
        FleetScriptTest.Result help = FleetScriptTest.run(dir, SCRIPT.toString(), "--help");
        assertEquals(0, help.exit(), help.output());
        assertTrue(help.output().startsWith("Usage: bench/cycle.sh"), help.output());
        FleetScriptTest.Result bad = FleetScriptTest.run(dir, SCRIPT.toString(), "--interval", "x");
        assertEquals(64, bad.exit(), bad.output());
        assertTrue(bad.output().contains("\"x\" is not a whole number of seconds"), bad.output());
        FleetScriptTest.Result unknown = FleetScriptTest.run(dir, SCRIPT.toString(), "--bogus");
        assertEquals(64, unknown.exit(), unknown.output());
        assertTrue(unknown.output().contains("unknown argument \"--bogus\""), unknown.output());
        FleetScriptTest.Result lint = FleetScriptTest.run(dir, "shellcheck", "-x", SCRIPT.toString());
        assertEquals(0, lint.exit(), lint.output());
    }
}
