package dev.outpost.dist;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;

/**
 * A GnuPG home of the test's own in a temporary directory, for signing keys that exist only for the test run:
 * never committed, never the developer's keyring. Closing it stops the gpg-agent that gpg started for it.
 */
final class ThrowawayGpg implements AutoCloseable {
    private final Path home;

    ThrowawayGpg(Path dir) throws IOException {
        home = dir.resolve("gnupg");
        Files.createDirectories(home, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------")));
    }

    Path home() {
        return home;
    }

    /**
     * A new RSA 3072 signing key valid for one day, protected by the passphrase unless it is empty; returns its
     * fingerprint.
     */
    String newKey(String uid, String passphrase) {
        ok("--pinentry-mode", "loopback", "--passphrase", passphrase, "--quick-gen-key", uid, "rsa3072", "sign", "1d");
        String colons = ok("--with-colons", "--list-secret-keys", uid);
        return colons.lines().filter(l -> l.startsWith("fpr:")).map(l -> l.split(":")[9]).findFirst()
                .orElseThrow(() -> new AssertionError("no fingerprint for " + uid + " in:\n" + colons));
    }

    /** Exports the secret key as release.sh's --key-file takes it, in a file of mode 0600. */
    Path exportSecret(String fingerprint, String passphrase, Path file) throws IOException {
        Files.createDirectories(file.getParent());
        Files.deleteIfExists(file);
        Files.createFile(file, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
        ok("--pinentry-mode", "loopback", "--passphrase", passphrase, "--armor", "--yes", "--output", file.toString(),
                "--export-secret-keys", fingerprint);
        return file;
    }

    /** Runs gpg in batch mode on this home; the command line's env sets GNUPGHOME for it alone. */
    Command.Result gpg(String... args) {
        List<String> argv = new ArrayList<>(List.of("env", "GNUPGHOME=" + home, "gpg", "--batch", "--no-tty"));
        argv.addAll(List.of(args));
        return Command.run(argv.toArray(String[]::new));
    }

    private String ok(String... args) {
        Command.Result r = gpg(args);
        assertEquals(0, r.exit(), "gpg " + String.join(" ", args) + ":\n" + r.output());
        return r.output();
    }

    @Override
    public void close() {
        Command.run("gpgconf", "--homedir", home.toString(), "--kill", "gpg-agent");
    }
}
