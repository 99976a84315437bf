package dev.outpost.dist;

import static org.junit.jupiter.api.Assertions.fail;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * Runs one of the distribution's own tools (systemd-analyze, dpkg-deb, lintian, rpm, rpmlint, systemd-nspawn, gpg,
 * apt, dnf)
 * and returns its exit status and output, stdout and stderr merged. A missing tool fails the test with the package to
 * install, so that a green build always means the check ran.
 */
final class Command {
    /** Exit status and merged output of one run. */
    record Result(int exit, String output) {
    }

    private Command() {
    }

    static Result run(Path dir, String... argv) {
        return run(Duration.ofMinutes(5), dir, argv);
    }

    /**
     * Runs with a time limit: past it, the command and everything it started are killed and the test fails.
     * The output goes through a file, so that a child holding the pipe open cannot outlast the limit.
     */
    static Result run(Duration limit, Path dir, String... argv) {
        requireTool(argv[0]);
        Path out = null;
        try {
            out = Files.createTempFile("outpost-command", ".out");
            ProcessBuilder pb = new ProcessBuilder(argv).redirectErrorStream(true).redirectOutput(out.toFile());
            if (dir != null) {
                pb.directory(dir.toFile());
            }
            pb.environment().put("LC_ALL", "C.UTF-8");
            pb.environment().put("SYSTEMD_COLORS", "0");
            Process p = pb.start();
            p.getOutputStream().close();
            if (!p.waitFor(limit.toMillis(), TimeUnit.MILLISECONDS)) {
                p.descendants().forEach(ProcessHandle::destroyForcibly);
                p.destroyForcibly();
                fail(String.join(" ", argv) + " did not end within " + limit + "; its output:\n"
                        + Files.readString(out, StandardCharsets.UTF_8));
            }
            return new Result(p.exitValue(), Files.readString(out, StandardCharsets.UTF_8));
        } catch (IOException e) {
            throw new AssertionError("cannot run " + String.join(" ", argv) + ": " + e.getMessage(), e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError("interrupted running " + argv[0], e);
        } finally {
            if (out != null) {
                out.toFile().delete();
            }
        }
    }

    static Result run(String... argv) {
        return run(null, argv);
    }

    /** Runs and requires exit 0, returning the output. */
    static String ok(String... argv) {
        Result r = run(argv);
        if (r.exit() != 0) {
            fail(String.join(" ", argv) + " exited " + r.exit() + ":\n" + r.output());
        }
        return r.output();
    }

    static void requireTool(String tool) {
        for (String dir : System.getenv().getOrDefault("PATH", "/usr/bin:/bin").split(":")) {
            if (Path.of(dir, tool).toFile().canExecute()) {
                return;
            }
        }
        List<String> hint = new ArrayList<>(List.of("systemd-analyze:systemd", "systemd-sysusers:systemd",
                "systemd-tmpfiles:systemd", "dpkg-deb:dpkg", "lintian:lintian", "rpm:rpm", "rpmlint:rpmlint",
                "shellcheck:shellcheck", "systemd-nspawn:systemd-container", "debootstrap:debootstrap", "gpg:gnupg",
                "gpgv:gpgv", "apt-ftparchive:apt-utils", "createrepo_c:createrepo-c", "rpmsign:rpm", "rpmkeys:rpm",
                "dnf:dnf"));
        String pkg = hint.stream().filter(h -> h.startsWith(tool + ":")).map(h -> h.substring(tool.length() + 1))
                .findFirst().orElse(tool);
        fail(tool + " is not installed; install it (Debian: apt-get install -y " + pkg + ", as ./test.sh does)");
    }
}
