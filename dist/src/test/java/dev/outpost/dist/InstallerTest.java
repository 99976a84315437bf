package dev.outpost.dist;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * installer/install.sh, test.sh, scripts/check-reproducible.sh, scripts/release.sh and the container test's scripts
 * are shellcheck-clean, and the installer refuses bad arguments with its documented exit codes before it changes
 * anything on the host.
 */
class InstallerTest {
    private static final Path INSTALL = SystemdUnitsTest.REPO.resolve("installer/install.sh");
    private static final String PIN = "sha256:" + "0123456789abcdef".repeat(4);
    private static final String SERVER = "https://gw.example:8443";

    @TempDir
    Path tmp;

    @Test
    void scriptsAreShellcheckClean() {
        for (String script : new String[] {"installer/install.sh", "scripts/check-reproducible.sh", "test.sh",
                "scripts/release.sh", "dist/src/test/container/run.sh", "dist/src/test/container/inside.sh",
                "dist/src/test/container/make-releases.sh"}) {
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
        assertTrue(help.contains("--repo URL         add Outpost's signed repository"), help);
    }

    @Test
    void repoAndPackageExcludeEachOther() {
        Command.Result r = install("--token-file", "/dev/null", "--package", "/dev/null", "--repo",
                "https://packages.example.com/outpost", "--key", "/dev/null");
        assertEquals(64, r.exit(), r.output());
        assertEquals("install.sh: --package and --repo exclude each other (see install.sh --help)\n", r.output());
    }

    @Test
    void repoNeedsKeyAndKeyNeedsRepo() {
        Command.Result r = install("--repo", "https://packages.example.com/outpost");
        assertEquals(64, r.exit(), r.output());
        assertTrue(r.output().contains("--repo needs --key FILE, the repository's public key"), r.output());
        r = install("--key", "/dev/null");
        assertEquals(64, r.exit(), r.output());
        assertEquals("install.sh: --key goes with --repo URL (see install.sh --help)\n", r.output());
    }

    @Test
    void aRepoThatIsNoHttpOrFileUrlIsAUsageError() {
        Command.Result r = install("--repo", "ftp://packages.example.com/outpost", "--key", "/dev/null");
        assertEquals(64, r.exit(), r.output());
        assertTrue(r.output().contains("must be an https://, http:// or file:/ URL"), r.output());
    }

    @Test
    void aKeyThatIsMissingOrNoPublicKeyExits66() throws IOException {
        Command.Result r = install("--repo", "https://packages.example.com/outpost", "--key", "/nonexistent/key.asc");
        assertEquals(66, r.exit(), r.output());
        assertEquals("install.sh: key file /nonexistent/key.asc does not exist or is not readable\n", r.output());
        // A secret key must never end up world-readable in /etc/apt/keyrings.
        Path secret = Files.writeString(tmp.resolve("secret.asc"),
                "-----BEGIN PGP PRIVATE KEY BLOCK-----\n\nlQVYBGd\n-----END PGP PRIVATE KEY BLOCK-----\n");
        Path text = Files.writeString(tmp.resolve("notes.txt"), "fingerprint 1B65 F00A\n");
        for (Path key : new Path[] {secret, text}) {
            r = install("--repo", "https://packages.example.com/outpost", "--key", key.toString());
            assertEquals(66, r.exit(), r.output());
            assertEquals("install.sh: " + key + " is no OpenPGP public key; pass the repository's "
                    + "outpost-archive-keyring.asc (or .gpg), never a secret key\n", r.output());
        }
    }

    private static Command.Result install(String... args) {
        String[] argv = new String[args.length + 6];
        argv[0] = "bash";
        argv[1] = INSTALL.toString();
        argv[2] = "--server";
        argv[3] = SERVER;
        argv[4] = "--ca-pin";
        argv[5] = PIN;
        System.arraycopy(args, 0, argv, 6, args.length);
        return Command.run(argv);
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
