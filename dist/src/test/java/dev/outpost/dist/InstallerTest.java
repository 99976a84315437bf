package dev.outpost.dist;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import org.junit.jupiter.api.Test;

/**
 * installer/install.sh, test.sh, scripts/check-reproducible.sh and the container test's scripts are
 * shellcheck-clean, and the installer refuses bad arguments with its documented exit codes before it changes
 * anything on the host.
 */
class InstallerTest {
    private static final Path INSTALL = SystemdUnitsTest.REPO.resolve("installer/install.sh");
    private static final String PIN = "sha256:" + "0123456789abcdef".repeat(4);

    @Test
    void scriptsAreShellcheckClean() {
        for (String script : new String[] {"installer/install.sh", "scripts/check-reproducible.sh", "test.sh",
                "dist/src/test/container/run.sh", "dist/src/test/container/inside.sh"}) {
            String path = SystemdUnitsTest.REPO.resolve(script).toString();
            Command.ok("bash", "-n", path);
            assertEquals("", Command.ok("shellcheck", path));
        }
    }

    @Test
    void helpDescribesTheExitCodes() {
        String help = Command.ok("bash", INSTALL.toString(), "--help");
        assertTrue(help.contains("66 the package or token file is"), help);
        assertTrue(help.contains("77 the pin does not"), help);
    }

    @Test
    void aMalformedPinIsAUsageError() {
        Command.Result r = Command.run("bash", INSTALL.toString(), "--server", "https://gw.example:8443",
                "--ca-pin", "sha256:abc", "--token-file", "/dev/null");
        assertEquals(64, r.exit(), r.output());
        assertTrue(r.output().contains("--ca-pin \"sha256:abc\" is not a pin"), r.output());
    }

    @Test
    void anHttpServerIsAUsageError() {
        Command.Result r = Command.run("bash", INSTALL.toString(), "--server", "http://gw.example:8443",
                "--ca-pin", PIN, "--token-file", "/dev/null");
        assertEquals(64, r.exit(), r.output());
        assertTrue(r.output().contains("must be an https:// URL"), r.output());
    }

    @Test
    void aMissingPackageFileExits66BeforeTouchingTheHost() {
        Command.Result r = Command.run("bash", INSTALL.toString(), "--server", "https://gw.example:8443",
                "--ca-pin", PIN, "--token-file", "/dev/null", "--package", "/nonexistent/outpost-agent.deb");
        assertEquals(66, r.exit(), r.output());
        assertEquals("install.sh: package file /nonexistent/outpost-agent.deb does not exist; build it with "
                + "mvn -B -DskipTests package (dist/target/packages/)\n", r.output());
    }

    @Test
    void reenrollWithoutANewTokenIsAUsageError() {
        Command.Result r = Command.run("bash", INSTALL.toString(), "--server", "https://gw.example:8443",
                "--ca-pin", PIN, "--reenroll");
        assertEquals(64, r.exit(), r.output());
        assertEquals("install.sh: --reenroll needs --token-file with a new token (see install.sh --help)\n", r.output());
    }

    @Test
    void aMissingTokenFileExits66() {
        Command.Result r = Command.run("bash", INSTALL.toString(), "--server", "https://gw.example:8443",
                "--ca-pin", PIN, "--token-file", "/nonexistent/token");
        assertEquals(66, r.exit(), r.output());
        assertTrue(r.output().contains("token file /nonexistent/token does not exist"), r.output());
    }
}
