package dev.outpost.dist;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The .deb packages as dpkg-deb and lintian see them: layout, modes, owners, conffiles, scripts, no lint. */
class DebPackagesTest {
    @TempDir
    Path tmp;

    @Test
    void layoutModesAndOwnersAreDebians() {
        for (String program : Packages.PROGRAMS) {
            Map<String, String> files = new TreeMap<>();
            for (String line : Command.ok("dpkg-deb", "--contents", Packages.deb(program).toString()).split("\n")) {
                String[] f = line.trim().split("\\s+");
                assertEquals("root/root", f[1], line);
                if (f[0].startsWith("-")) {
                    files.put(f[5].substring(1), f[0]);
                } else {
                    assertEquals("drwxr-xr-x", f[0], line);
                }
            }
            Map<String, String> expected = new TreeMap<>(Packages.files(program, "/lib/systemd/system"));
            expected.put("/usr/share/lintian/overrides/" + program, "-rw-r--r--");
            assertEquals(expected, files, program);
        }
    }

    @Test
    void controlDependsOnAJava17RuntimeAndMarksTheConfigAsConffile() {
        for (String program : Packages.PROGRAMS) {
            String deb = Packages.deb(program).toString();
            assertEquals("default-jre-headless (>= 2:1.17) | java17-runtime-headless, adduser",
                    Command.ok("dpkg-deb", "--field", deb, "Depends").strip());
            assertEquals(Packages.DEB_VERSION, Command.ok("dpkg-deb", "--field", deb, "Version").strip());
            String info = Command.ok("dpkg-deb", "--info", deb);
            for (String script : new String[] {"postinst", "prerm", "postrm"}) {
                assertTrue(info.matches("(?s).*\\d+ bytes, +\\d+ lines +\\* +" + script + " +#!/bin/sh.*"),
                        program + " has no executable " + script + ":\n" + info);
            }
        }
        assertEquals("/etc/outpost/agent.yaml\n", Command.ok("dpkg-deb", "--info",
                Packages.deb("outpost-agent").toString(), "conffiles"));
    }

    @Test
    void maintainerScriptsEnableOnFirstInstallRestartOnUpgradeAndPurgeState() throws IOException {
        for (String program : Packages.PROGRAMS) {
            Path control = tmp.resolve(program);
            Command.ok("dpkg-deb", "--control", Packages.deb(program).toString(), control.toString());
            String postinst = Files.readString(control.resolve("postinst"));
            assertTrue(postinst.contains("if [ -z \"$2\" ]; then"), postinst);
            assertTrue(postinst.contains("deb-systemd-helper enable " + program + ".service"), postinst);
            assertTrue(postinst.contains("deb-systemd-invoke try-restart " + program + ".service"), postinst);
            assertTrue(postinst.contains("systemd-sysusers " + program + ".conf"), postinst);
            assertTrue(postinst.contains("adduser --system --group --no-create-home --home /nonexistent "
                    + "--shell /usr/sbin/nologin " + program), postinst);
            String prerm = Files.readString(control.resolve("prerm"));
            assertTrue(prerm.contains("[ \"$1\" = remove ]") && prerm.contains("deb-systemd-invoke stop " + program),
                    prerm);
            String postrm = Files.readString(control.resolve("postrm"));
            assertTrue(postrm.matches("(?s).*if \\[ \"\\$1\" = purge \\]; then.*rm -rf /var/lib/" + program + "\n.*"),
                    postrm);
            for (String script : new String[] {"postinst", "prerm", "postrm"}) {
                Command.ok("sh", "-n", control.resolve(script).toString());
                Command.ok("shellcheck", "-s", "sh", control.resolve(script).toString());
            }
        }
    }

    @Test
    void lintianReportsNoErrorAndNoWarning() {
        Command.Result r = Command.run("lintian", "--no-cfg", "--fail-on", "error,warning",
                Packages.deb("outpost-agent").toString(), Packages.deb("outpost-gateway").toString());
        String findings = r.output().lines().filter(l -> l.matches("^[EW]: .*")).reduce("", (a, b) -> a + b + "\n");
        assertEquals("", findings, r.output());
        assertEquals(0, r.exit(), r.output());
    }
}
