package dev.outpost.dist;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The units in systemd/ checked by systemd's own analyzer: {@code verify} says nothing, and the sandbox
 * exposure of {@code security --offline=yes} is at most 1.2. Also the sysusers.d and tmpfiles.d entries,
 * applied by systemd-sysusers and systemd-tmpfiles to a scratch root.
 */
class SystemdUnitsTest {
    static final Path REPO = Path.of(System.getProperty("outpost.repo.dir", ".."));
    private static final Pattern EXPOSURE = Pattern.compile("Overall exposure level for (\\S+): ([0-9.]+)");

    @TempDir
    Path tmp;

    @Test
    void agentUnitVerifiesCleanAndIsExposedAtMost1_2() throws IOException {
        assertEquals("", verify("outpost-agent"));
        double exposure = exposure("outpost-agent");
        System.out.println("systemd-analyze security: outpost-agent.service exposure " + exposure);
        assertTrue(exposure <= 1.2, "outpost-agent.service exposure " + exposure + " > 1.2");
    }

    @Test
    void gatewayUnitVerifiesCleanAndIsExposedAtMost1_2() throws IOException {
        assertEquals("", verify("outpost-gateway"));
        double exposure = exposure("outpost-gateway");
        System.out.println("systemd-analyze security: outpost-gateway.service exposure " + exposure);
        assertTrue(exposure <= 1.2, "outpost-gateway.service exposure " + exposure + " > 1.2");
    }

    @Test
    void agentUnitRefusesListenAndAcceptAndKnowsItsExitCodes() throws IOException {
        List<String> lines = Files.readAllLines(REPO.resolve("systemd/outpost-agent.service"));
        for (String expected : List.of("SystemCallFilter=~listen accept accept4", "SystemCallErrorNumber=EPERM",
                "LoadCredential=enrollment-token:/etc/outpost/enrollment-token", "SuccessExitStatus=143",
                "RestartPreventExitStatus=64 77 78", "Restart=on-failure", "ExecReload=/bin/kill -HUP $MAINPID",
                "User=outpost-agent", "StateDirectory=outpost-agent", "StateDirectoryMode=0700",
                "ExecStartPre=/usr/bin/outpost-agent check-config --config /etc/outpost/agent.yaml")) {
            assertTrue(lines.contains(expected), "outpost-agent.service lacks " + expected);
        }
        // Both would break the agent: the JIT needs W+X memory, and the collectors read /proc/stat & co.
        assertTrue(lines.stream().noneMatch(l -> l.startsWith("MemoryDenyWriteExecute=")
                || l.startsWith("ProcSubset=")), "outpost-agent.service must not set MemoryDenyWriteExecute or ProcSubset");
    }

    @Test
    void gatewayUnitMayBindItsTwoPortsOnly() throws IOException {
        List<String> lines = Files.readAllLines(REPO.resolve("systemd/outpost-gateway.service"));
        for (String expected : List.of("SocketBindAllow=tcp:8443", "SocketBindAllow=tcp:4318", "SocketBindDeny=any",
                "LoadCredential=outpost-master-key:/etc/outpost/gateway-master.key", "User=outpost-gateway")) {
            assertTrue(lines.contains(expected), "outpost-gateway.service lacks " + expected);
        }
    }

    @Test
    void sysusersAndTmpfilesMakeAShelllessUserAndAPrivateStateDirectory() throws IOException {
        for (String program : List.of("outpost-agent", "outpost-gateway")) {
            Path root = Files.createDirectories(tmp.resolve(program).resolve("etc")).getParent();
            Command.ok("systemd-sysusers", "--root=" + root, REPO.resolve("systemd/" + program + ".sysusers").toString());
            String passwd = Files.readString(root.resolve("etc/passwd"));
            assertTrue(passwd.matches("(?s)" + program + ":x:\\d+:\\d+:[^:]*:/:/usr/sbin/nologin\\n"), passwd);
            Command.ok("systemd-tmpfiles", "--root=" + root, "--create",
                    REPO.resolve("systemd/" + program + ".tmpfiles").toString());
            String uid = passwd.split(":")[2];
            assertEquals("700 " + uid, Command.ok("stat", "-c", "%a %u",
                    root.resolve("var/lib/" + program).toString()).strip());
            assertEquals("755 0", Command.ok("stat", "-c", "%a %u", root.resolve("etc/outpost").toString()).strip());
        }
    }

    /** verify's output for a copy of the unit whose program paths point at the launchers in this tree. */
    private String verify(String program) throws IOException {
        Path launcher = REPO.resolve("packaging/bin/" + program).toAbsolutePath().normalize();
        String unit = Files.readString(REPO.resolve("systemd/" + program + ".service"))
                .replace("/usr/bin/" + program, launcher.toString());
        Path copy = Files.writeString(tmp.resolve(program + ".service"), unit);
        Command.Result r = Command.run("systemd-analyze", "verify", "--man=no", copy.toString());
        assertEquals(0, r.exit(), r.output());
        return r.output();
    }

    private double exposure(String program) {
        String out = Command.ok("systemd-analyze", "security", "--offline=yes",
                REPO.resolve("systemd/" + program + ".service").toString());
        Matcher m = EXPOSURE.matcher(out);
        assertTrue(m.find(), "no exposure level in:\n" + out);
        assertEquals(program + ".service", m.group(1));
        return Double.parseDouble(m.group(2));
    }
}
