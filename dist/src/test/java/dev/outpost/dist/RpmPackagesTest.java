package dev.outpost.dist;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Map;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;

/** The .rpm packages as rpm and rpmlint see them: layout, modes, owners, %config(noreplace), scriptlets. */
class RpmPackagesTest {
    @Test
    void layoutModesAndOwnersAreRhels() {
        for (String program : Packages.PROGRAMS) {
            Map<String, String> files = new TreeMap<>();
            String out = Command.ok("rpm", "-qp", "--qf", "[%{FILEMODES:perms} %{FILEUSERNAME}:%{FILEGROUPNAME} %{FILENAMES}\\n]",
                    Packages.rpm(program).toString());
            for (String line : out.split("\n")) {
                String[] f = line.split(" ");
                assertEquals("root:root", f[1], line);
                if (f[0].startsWith("-")) {
                    files.put(f[2], f[0]);
                } else {
                    assertEquals("drwxr-xr-x", f[0], line);
                }
            }
            assertEquals(new TreeMap<>(Packages.files(program, "/usr/lib/systemd/system")), files, program);
        }
    }

    @Test
    void configIsNoreplaceAndJava17IsRequired() {
        String agent = Packages.rpm("outpost-agent").toString();
        assertEquals("/etc/outpost/agent.yaml\n", Command.ok("rpm", "-qpc", agent));
        String flags = Command.ok("rpm", "-qp", "--qf", "[%{FILEFLAGS:fflags} %{FILENAMES}\\n]", agent);
        assertTrue(flags.contains("cn /etc/outpost/agent.yaml\n"), flags);
        for (String program : Packages.PROGRAMS) {
            String requires = Command.ok("rpm", "-qp", "--requires", Packages.rpm(program).toString());
            assertTrue(requires.contains("java-headless >= 1:17\n"), requires);
        }
    }

    @Test
    void eachNamesItsSourceRpmSoThatRpmTakesItForABinaryPackage() {
        for (String program : Packages.PROGRAMS) {
            assertEquals(program + "-" + Packages.RPM_VERSION + ".src.rpm",
                    Command.ok("rpm", "-qp", "--qf", "%{SOURCERPM}", Packages.rpm(program).toString()));
        }
    }

    @Test
    void scriptletsFollowSystemdMacroSemantics() {
        for (String program : Packages.PROGRAMS) {
            String out = Command.ok("rpm", "-qpil", "--scripts", Packages.rpm(program).toString());
            String unit = program + ".service";
            assertTrue(out.contains("preinstall scriptlet (using /bin/sh):"), out);
            assertTrue(out.contains("useradd -r -M -U -d / -s /sbin/nologin"), out);
            assertTrue(out.matches("(?s).*if \\[ \"\\$1\" -eq 1 \\]; then\\s+systemctl --no-reload enable " + unit + ".*"),
                    "enable on first install only:\n" + out);
            assertTrue(out.matches("(?s).*if \\[ \"\\$1\" -eq 0 \\]; then\\s+systemctl --no-reload disable --now " + unit
                    + ".*"), "stop on erase only:\n" + out);
            assertTrue(out.matches("(?s).*if \\[ \"\\$1\" -ge 1 \\]; then\\s+systemctl try-restart " + unit + ".*"),
                    "restart on upgrade:\n" + out);
        }
    }

    @Test
    void rpmlintReportsNoErrorAndNoWarning() {
        String config = SystemdUnitsTest.REPO.resolve("dist/src/rpm/rpmlint.toml").toString();
        Command.Result r = Command.run("rpmlint", "-c", config, Packages.rpm("outpost-agent").toString(),
                Packages.rpm("outpost-gateway").toString());
        assertTrue(r.output().contains("0 errors, 0 warnings"), r.output());
        assertEquals(0, r.exit(), r.output());
    }
}
