package dev.outpost.dist;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * How scripts/release.sh treats keys and what it has published: a key from the caller's own gpg by its id, a
 * passphrase from a file (a wrong one stops it before anything is written), key files inside the source tree or
 * readable by others refused, another key into a directory published with the first refused, a new version added
 * beside the old one, and a published version never replaced.
 */
class ReleaseKeysTest {
    @TempDir
    static Path tmp;
    private static ThrowawayGpg gpg;
    private static String fingerprint;
    private static Path key;

    @BeforeAll
    static void makeKey() throws IOException {
        gpg = new ThrowawayGpg(tmp);
        fingerprint = gpg.newKey("Outpost keys test <keys@outpost.invalid>", "");
        key = gpg.exportSecret(fingerprint, "", tmp.resolve("keys/release.key"));
    }

    @AfterAll
    static void stopAgent() {
        gpg.close();
    }

    @Test
    void aKeyOfTheCallersOwnGpgIsNamedByItsFingerprint() {
        Path out = tmp.resolve("by-id");
        ReleaseScript.ok(gpg.home(), "--out", out.toString(), "--key", fingerprint, Packages.deb("outpost-agent").toString());
        Command.ok("gpgv", "--keyring", out.resolve("outpost-archive-keyring.gpg").toString(),
                out.resolve("deb/dists/stable/InRelease").toString());
        Command.Result r = ReleaseScript.run(gpg.home(), "--out", out.toString(), "--key", "nobody@outpost.invalid");
        assertEquals(66, r.exit(), r.output());
        assertTrue(r.output().contains("no secret key nobody@outpost.invalid"), r.output());
    }

    @Test
    void aPassphraseComesFromAFileAndAWrongOneChangesNothing() throws IOException {
        String locked = gpg.newKey("Outpost locked test <locked@outpost.invalid>", "correct horse battery staple");
        Path lockedKey = gpg.exportSecret(locked, "correct horse battery staple", tmp.resolve("keys/locked.key"));
        Path right = secretFile("keys/right.pass", "correct horse battery staple\n");
        Path wrong = secretFile("keys/wrong.pass", "incorrect horse\n");
        Path out = tmp.resolve("locked");
        Command.Result r = ReleaseScript.run(null, "--out", out.toString(), "--key-file", lockedKey.toString(),
                "--passphrase-file", wrong.toString(), Packages.DIR.toString());
        assertEquals(70, r.exit(), r.output());
        assertTrue(r.output().startsWith("release: gpg cannot sign with " + locked + ": "), r.output());
        assertFalse(Files.exists(out), "a failed release made " + out);
        ReleaseScript.ok(null, "--out", out.toString(), "--key-file", lockedKey.toString(), "--passphrase-file",
                right.toString(), Packages.DIR.toString());
        Command.ok("gpgv", "--keyring", out.resolve("outpost-archive-keyring.gpg").toString(),
                out.resolve("SHA256SUMS.asc").toString(), out.resolve("SHA256SUMS").toString());
    }

    @Test
    void aKeyFileInsideTheSourceTreeOrReadableByOthersIsRefused() throws IOException {
        Path inTree = SystemdUnitsTest.REPO.resolve("dist/target/release-test.key").toAbsolutePath();
        try {
            Files.copy(key, inTree);
            Command.Result r = ReleaseScript.run(null, "--out", tmp.resolve("refused").toString(), "--key-file",
                    inTree.toString());
            assertEquals(77, r.exit(), r.output());
            assertTrue(r.output().contains("is inside the source tree"), r.output());
        } finally {
            Files.deleteIfExists(inTree);
        }
        Path open = Files.copy(key, tmp.resolve("keys/open.key"));
        Files.setPosixFilePermissions(open, PosixFilePermissions.fromString("rw-r--r--"));
        Command.Result r = ReleaseScript.run(null, "--out", tmp.resolve("refused").toString(), "--key-file", open.toString());
        assertEquals(77, r.exit(), r.output());
        assertEquals("release: key file " + open + " is readable by others (mode 644); chmod 600 it\n", r.output());
        assertFalse(Files.exists(tmp.resolve("refused")));
    }

    @Test
    void aNewVersionIsAddedBesideTheOldOneAndAPublishedVersionIsNeverReplaced() throws IOException {
        Path out = tmp.resolve("history");
        ReleaseScript.ok(null, "--out", out.toString(), "--key-file", key.toString(), Packages.DIR.toString());
        Path newer = rebuild(Packages.DEB_VERSION + "+1", "newer");
        String second = ReleaseScript.ok(null, "--out", out.toString(), "--key-file", key.toString(), newer.toString());
        assertTrue(second.startsWith("release: published outpost-agent_" + Packages.DEB_VERSION + "+1_all.deb\n"), second);
        String packages = Files.readString(out.resolve("deb/dists/stable/main/binary-all/Packages"));
        assertTrue(packages.contains("\nVersion: " + Packages.DEB_VERSION + "\n"), packages);
        assertTrue(packages.contains("\nVersion: " + Packages.DEB_VERSION + "+1\n"), packages);
        // Four packages and two SBOMs of the first release, the new .deb and its SBOM.
        assertEquals(8, Files.readAllLines(out.resolve("SHA256SUMS")).size());
        assertTrue(Files.exists(out.resolve("sbom/outpost-agent_" + Packages.DEB_VERSION + "+1.cdx.json")));

        Map<String, String> before = ReleaseScript.files(out);
        Path other = rebuild(Packages.DEB_VERSION, "same-version");
        Command.Result r = ReleaseScript.run(null, "--out", out.toString(), "--key-file", key.toString(), other.toString());
        assertEquals(65, r.exit(), r.output());
        assertTrue(r.output().contains("is published with other contents; a version is never replaced"), r.output());
        assertEquals(before, ReleaseScript.files(out));

        String other2 = gpg.newKey("Another release key <another@outpost.invalid>", "");
        Path otherKey = gpg.exportSecret(other2, "", tmp.resolve("keys/another.key"));
        r = ReleaseScript.run(null, "--out", out.toString(), "--key-file", otherKey.toString(), newer.toString());
        assertEquals(65, r.exit(), r.output());
        assertTrue(r.output().contains(out + " is signed with key " + fingerprint + ", not " + other2), r.output());
        assertEquals(before, ReleaseScript.files(out));
    }

    /** The agent's .deb at another version, with one more line in its description so that its bytes differ. */
    private static Path rebuild(String version, String name) throws IOException {
        Path tree = tmp.resolve("tree-" + name);
        Command.ok("dpkg-deb", "-R", Packages.deb("outpost-agent").toString(), tree.toString());
        Path control = tree.resolve("DEBIAN/control");
        Files.writeString(control, Files.readString(control).replaceFirst("(?m)^Version: .*$", "Version: " + version)
                .replaceFirst("(?m)^Description: .*$", "$0\n rebuilt by ReleaseKeysTest (" + name + ")"));
        Path deb = Files.createDirectories(tmp.resolve("debs-" + name)).resolve("outpost-agent_" + version + "_all.deb");
        Command.ok("dpkg-deb", "-Zgzip", "-z1", "-b", tree.toString(), deb.toString());
        return deb;
    }

    private static Path secretFile(String name, String content) throws IOException {
        Path file = tmp.resolve(name);
        Files.createFile(file, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
        return Files.writeString(file, content);
    }
}
