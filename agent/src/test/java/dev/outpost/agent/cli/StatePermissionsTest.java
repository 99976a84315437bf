package dev.outpost.agent.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ch.qos.logback.classic.Level;
import dev.outpost.agent.LogCapture;
import dev.outpost.agent.StatePermissions;
import dev.outpost.agent.tls.TestCa;
import dev.outpost.wire.PrivateFiles;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Clock;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code run} on a state directory whose key or directory others could read or change: refused with exit 78, the
 * path, the mode found and the fix, before anything is trusted; a directory others can only list is repaired.
 */
class StatePermissionsTest {
    @TempDir
    Path dir;
    Path state;
    Path config;
    final ByteArrayOutputStream err = new ByteArrayOutputStream();

    @BeforeEach
    void enrolled() throws Exception {
        state = Files.createDirectory(dir.resolve("state"));
        Files.setPosixFilePermissions(state, PosixFilePermissions.fromString("rwx------"));
        Instant now = Instant.now();
        new TestCa().credentials("a-00000000000000cc", "acme", now, now.plusSeconds(86400)).store(state);
        config = Files.writeString(dir.resolve("agent.yaml"), "server: https://127.0.0.1:9\nstate_dir: " + state
                + "\n");
    }

    int run() {
        return new AgentCli(new PrintStream(new ByteArrayOutputStream()), new PrintStream(err, true,
                StandardCharsets.UTF_8), Map.of(), Clock.systemUTC()).run("run", "--config", config.toString());
    }

    String err() {
        return err.toString(StandardCharsets.UTF_8);
    }

    @Test
    void aKeyOthersCanReadIsRefused() throws Exception {
        Path key = state.resolve("agent.key");
        Files.setPosixFilePermissions(key, PosixFilePermissions.fromString("rw-r--r--"));
        assertEquals(78, run(), err());
        assertEquals("outpost-agent: refusing to run: " + key + ": permissions 0644 are too open: others may read this "
                + "private key. Fix: `chmod 600 " + key + "`; if others could read it, revoke this agent on the gateway "
                + "(`outpost-gateway agent revoke AGENT_ID`) and enroll again with a new token (`outpost-agent enroll "
                + "--force ...`)\n", err());
        assertEquals("rw-r--r--", PosixFilePermissions.toString(Files.getPosixFilePermissions(key)), "left as found");
    }

    @Test
    void aKeyThatIsASymbolicLinkIsRefused() throws Exception {
        Path key = state.resolve("agent.key");
        Path elsewhere = Files.move(key, dir.resolve("elsewhere.key"));
        Files.createSymbolicLink(key, elsewhere);
        assertEquals(78, run(), err());
        assertTrue(err().startsWith("outpost-agent: refusing to run: " + key + ": is a symbolic link to " + elsewhere
                + "; a private key must be a regular file"), err());
    }

    @Test
    void aStateDirectoryOthersCanWriteIsRefused() throws Exception {
        Files.setPosixFilePermissions(state, PosixFilePermissions.fromString("rwxrwxrwx"));
        assertEquals(78, run(), err());
        assertEquals("outpost-agent: refusing to run: " + state + ": permissions 0777 let others write in it: they "
                + "could have replaced its CA bundle (ca.crt), certificate or key. Fix: `chmod 700 " + state + "`, then "
                + "check those files\n", err());
    }

    @Test
    void aCaBundleOthersCanChangeIsRefused() throws Exception {
        Path ca = state.resolve("ca.crt");
        Files.setPosixFilePermissions(ca, PosixFilePermissions.fromString("rw-rw-rw-"));
        assertEquals(78, run(), err());
        assertTrue(err().contains(ca + ": permissions 0666 let others change it. Fix: `chmod go-w " + ca + "`"), err());
    }

    @Test
    void aStateDirectoryOthersCanOnlyListIsMadePrivateWithAWarning() throws Exception {
        Files.setPosixFilePermissions(state, PosixFilePermissions.fromString("rwxr-xr-x"));
        try (LogCapture log = new LogCapture("outpost.agent")) {
            new StatePermissions(PrivateFiles.forThisProcess()).check(state);
            assertEquals(List.of(state + ": permissions were 0755, so others could list it; made them 0700 (nothing "
                    + "in it is for others)"), log.messages(Level.WARN));
        }
        assertEquals("rwx------", PosixFilePermissions.toString(Files.getPosixFilePermissions(state)));
    }
}
