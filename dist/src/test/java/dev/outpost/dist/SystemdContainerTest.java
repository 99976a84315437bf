package dev.outpost.dist;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * The .debs under a real systemd, not only its analyzer: dist/src/test/container/run.sh boots Debian 12 and Debian 13
 * in a container (systemd-nspawn, private network) and runs inside.sh there, the agent on each distribution's default
 * JRE. Gateway and agent come from their packages and run under their own units; the agent is installed by
 * installer/install.sh, then from a repository that scripts/release.sh signed with a throwaway key and that is
 * served over HTTP on loopback (a tampered Packages file, a repository signed by another key and a tampered package
 * refused; the upgrade from it), revoked and re-enrolled, removed and purged, installed afresh from the repository,
 * then rolled out by the Ansible and the cloud-init examples. Needs root, systemd-nspawn, debootstrap and the release
 * tools (./test.sh installs them); without them it fails and says what to install.
 */
class SystemdContainerTest {
    private static final Path CONTAINER = SystemdUnitsTest.REPO.resolve("dist/src/test/container");
    private static final String UPGRADE = Packages.DEB_VERSION + "+1";
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
            "ok: candidate from the repository, release v1: " + Packages.DEB_VERSION + "\n",
            "ok: a tampered Packages file refused: ",
            "ok: candidate after the tampered Packages file: " + Packages.DEB_VERSION + "\n",
            "ok: a repository signed by another key refused: ",
            "ok: candidate after the forged repository: " + Packages.DEB_VERSION + "\n",
            "ok: a tampered package refused: ",
            "ok: installed after the tampered package: " + Packages.DEB_VERSION + "\n",
            "ok: package after the upgrade: " + UPGRADE + "\n",
            "ok: apt-cache policy: " + UPGRADE + " from http://127.0.0.1:8080/outpost/deb stable/main",
            "ok: still disabled after the upgrade: disabled",
            "ok: the upgrade restarted the agent",
            "ok: agent.yaml and agent.env (install.sh's server and pin) kept, without a prompt",
            "ok: new batches after the upgrade",
            "ok: exit status of the revoked agent: 78",
            "ok: restarts after exit 78: 0",
            "ok: install.sh --reenroll exit status: 0",
            "ok: package after remove: deinstall ok config-files",
            "ok: state, configuration, pin, token and unit links gone",
            "ok: system user outpost-agent kept (Debian policy)",
            "ok: install.sh --repo with another key: exit status: 77",
            "ok: install.sh --repo with another key refused, nothing left behind",
            "ok: install.sh --repo exit status: 0",
            "ok: second install.sh --repo changes nothing: ",
            "ok: --purge removed the repository and its key",
            "ok: second run: ok=6 changed=0 unreachable=0 failed=0",
            "ok: cloud-init data source and errors: DataSourceNoCloud []",
            "ok: runcmd ran install.sh: installed from the repository, enrolled, started",
            "\nall checks passed\n",
            "container-test: every check passed");

    @ParameterizedTest(name = "Debian {1} ({0})")
    @CsvSource({"bookworm, 12, 17", "trixie, 13, 21"})
    void packagesInstallFromTheSignedRepositoryRunUpgradeAndPurgeUnderSystemd(String suite, int debian, int java) {
        assertEquals("0", Command.ok("id", "-u").strip(),
                "this test boots a container with systemd-nspawn and must run as root (CI runs ./test.sh as root)");
        Command.requireTool("systemd-nspawn");
        Command.requireTool("debootstrap");
        Path work = Path.of("target", "container-test", suite).toAbsolutePath();
        // debootstrap (first run only, about 2 min) plus at most 900 s for the container.
        Command.Result r = Command.run(Duration.ofMinutes(20), null, "env", "OUTPOST_TEST_SUITE=" + suite,
                "OUTPOST_DEB_VERSION=" + Packages.DEB_VERSION, "bash", CONTAINER.resolve("run.sh").toString(),
                Packages.DIR.toAbsolutePath().toString(), SystemdUnitsTest.REPO.toAbsolutePath().toString(),
                work.toString());
        System.out.println(r.output());
        assertEquals(0, r.exit(), "run.sh failed (logs in " + work + "):\n" + r.output());
        List<String> expected = new ArrayList<>(KEY_LINES);
        expected.add("ok: the agent runs on Debian " + debian + ".");
        expected.add("'s default JRE: /usr/lib/jvm/java-" + java + "-openjdk-");
        // The gateway unit's SocketBindAllow= needs systemd's BPF framework: Debian 13's has it, Debian 12's not.
        expected.add(debian >= 13 ? "ok: SocketBindDeny= refuses another port inside the unit: bind 127.0.0.1:9999: "
                + "Operation not permitted" : "note: this systemd is built -BPF_FRAMEWORK, so SocketBindDeny= is not enforced");
        for (String line : expected) {
            assertTrue(r.output().contains(line), "run.sh passed but did not print \"" + line.strip() + "\":\n"
                    + r.output());
        }
    }
}
