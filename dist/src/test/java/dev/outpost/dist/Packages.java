package dev.outpost.dist;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** Where the build put the packages, and which files each program's packages must hold, with their modes. */
final class Packages {
    static final Path DIR = Path.of(System.getProperty("outpost.packages.dir", "target/packages"));
    static final String DEB_VERSION = System.getProperty("outpost.deb.version", "0.1.0~snapshot");
    static final String RPM_VERSION = System.getProperty("outpost.rpm.version", "0.1.0-0.1.snapshot");
    static final List<String> PROGRAMS = List.of("outpost-agent", "outpost-gateway");

    private Packages() {
    }

    static Path deb(String program) {
        return existing(DIR.resolve(program + "_" + DEB_VERSION + "_all.deb"));
    }

    static Path rpm(String program) {
        return existing(DIR.resolve(program + "-" + RPM_VERSION + ".noarch.rpm"));
    }

    /**
     * Every regular file of a program's package and its mode, the systemd directory differing by
     * distribution ({@code /lib/systemd/system} on Debian, {@code /usr/lib/systemd/system} on RHEL).
     */
    static Map<String, String> files(String program, String unitDir) {
        Map<String, String> files = new LinkedHashMap<>();
        files.put("/usr/share/" + program + "/" + program + ".jar", "-rw-r--r--");
        files.put("/usr/bin/" + program, "-rwxr-xr-x");
        if (program.equals("outpost-agent")) {
            files.put("/etc/outpost/agent.yaml", "-rw-r--r--");
        } else {
            files.put("/usr/share/doc/outpost-gateway/examples/gateway.yaml", "-rw-r--r--");
        }
        files.put(unitDir + "/" + program + ".service", "-rw-r--r--");
        files.put("/usr/lib/sysusers.d/" + program + ".conf", "-rw-r--r--");
        files.put("/usr/lib/tmpfiles.d/" + program + ".conf", "-rw-r--r--");
        files.put("/usr/share/man/man8/" + program + ".8.gz", "-rw-r--r--");
        files.put("/usr/share/doc/" + program + "/copyright", "-rw-r--r--");
        files.put("/usr/share/doc/" + program + "/changelog.gz", "-rw-r--r--");
        files.put("/usr/share/doc/" + program + "/" + program + ".cdx.json", "-rw-r--r--");
        return files;
    }

    private static Path existing(Path p) {
        if (!Files.isRegularFile(p)) {
            throw new AssertionError(p + " was not built; run mvn -B verify (the dist module's package phase builds it)");
        }
        return p;
    }
}
