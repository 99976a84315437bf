package dev.outpost.dist;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The .debs under a real systemd, not only its analyzer: dist/src/test/container/run.sh boots Debian 12 in a
 * container (systemd-nspawn, private network) and runs inside.sh there. Gateway and agent come from their packages
 * and run under their own units; the agent is installed by installer/install.sh, then upgraded, removed and purged,
 * then rolled out again by the Ansible and the cloud-init examples. Needs root, systemd-nspawn and debootstrap
 * (./test.sh installs both); without them it fails and says what to install.
 */
class SystemdContainerTest {
    private static final Path CONTAINER = SystemdUnitsTest.REPO.resolve("dist/src/test/container");
    /** One line per phase that must have run and passed, so that a script cut short cannot pass. */
    private static final List<String> KEY_LINES = List.of(
            "ok: gateway listens on 4318 and 8443 only: 0.0.0.0:4318 0.0.0.0:8443",
            "ok: no master.key in the gateway dir: the CA key is sealed with the outpost-master-key credential",
            "ok: second install.sh changes nothing: install.sh: outpost-agent " + Packages.DEB_VERSION
                    + " is installed already",
            "ok: configuration, token, key and certificate unchanged by the second run",
            "ok: agent process's listening sockets (ss, this whole network namespace): \n",
            "ok: listen() refused inside the agent's unit: listen 127.0.0.1:9999: Operation not permitted",
            "ok: the same listen() as outpost-agent outside the unit: listening on 127.0.0.1:9999",
            "ok: agent unit active without its token file: active",
            "ok: still disabled after the upgrade: disabled",
            "ok: new batches after the upgrade",
            "ok: exit status of the revoked agent: 78",
            "ok: restarts after exit 78: 0",
            "ok: install.sh --reenroll exit status: 0",
            "ok: package after remove: deinstall ok config-files",
            "ok: state, configuration, pin, token and unit links gone",
            "ok: system user outpost-agent kept (Debian policy)",
            "ok: second run: ok=6 changed=0 unreachable=0 failed=0",
            "ok: cloud-init data source and errors: DataSourceNoCloud []",
            "ok: runcmd ran install.sh: installed from the repository, enrolled, started",
            "\nall checks passed\n",
            "container-test: every check passed");

    @Test
    void packagesInstallRunUpgradeAndPurgeUnderSystemd() {
        assertEquals("0", Command.ok("id", "-u").strip(),
                "this test boots a container with systemd-nspawn and must run as root (CI runs ./test.sh as root)");
        Command.requireTool("systemd-nspawn");
        Command.requireTool("debootstrap");
        Path work = Path.of("target", "container-test").toAbsolutePath();
        // debootstrap (first run only, about 90 s) plus at most 900 s for the container.
        Command.Result r = Command.run(Duration.ofMinutes(20), null, "env",
                "OUTPOST_DEB_VERSION=" + Packages.DEB_VERSION, "bash", CONTAINER.resolve("run.sh").toString(),
                Packages.DIR.toAbsolutePath().toString(), SystemdUnitsTest.REPO.toAbsolutePath().toString(),
                work.toString());
        System.out.println(r.output());
        assertEquals(0, r.exit(), "run.sh failed (logs in " + work + "):\n" + r.output());
        for (String line : KEY_LINES) {
            assertTrue(r.output().contains(line), "run.sh passed but did not print \"" + line.strip() + "\":\n"
                    + r.output());
        }
    }
}
