package dev.outpost.wire;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Real files with real modes and owners (the tests run as root, as in CI, so that they can chown). */
class PrivateFilesTest {
    @TempDir
    Path dir;
    final PrivateFiles checks = new PrivateFiles(0, "root");

    Path file(String name, String mode) throws Exception {
        Path f = Files.writeString(dir.resolve(name), "secret");
        Files.setPosixFilePermissions(f, PosixFilePermissions.fromString(mode));
        return f;
    }

    @Test
    void aPrivateKeyWithoutGroupOrOtherPermissionIsAccepted() throws Exception {
        checks.checkSecret(file("agent.key", "rw-------"), "enroll again");
        checks.checkSecret(file("agent.key.next", "r--------"), "enroll again");
    }

    @Test
    void aKeyOthersCanReadIsRefusedWithModeAndFix() throws Exception {
        Path key = file("agent.key", "rw-r--r--");
        assertEquals(key + ": permissions 0644 are too open: others may read this private key. Fix: `chmod 600 "
                + key + "`; enroll again", assertThrows(PrivateFiles.UnsafeException.class,
                        () -> checks.checkSecret(key, "enroll again")).getMessage());
        Path group = file("group.key", "rw-r-----");
        String readable = assertThrows(PrivateFiles.UnsafeException.class, () -> checks.checkSecret(group, ""))
                .getMessage();
        assertTrue(readable.startsWith(group + ": permissions 0640 are too open"), readable);
    }

    @Test
    void aKeyThatIsASymbolicLinkIsRefusedEvenIfItsTargetIsPrivate() throws Exception {
        Path target = file("elsewhere.key", "rw-------");
        Path link = Files.createSymbolicLink(dir.resolve("agent.key"), target);
        assertEquals(link + ": is a symbolic link to " + target + "; a private key must be a regular file where it "
                + "is expected, protected by its directory. Fix: `cp --remove-destination " + target + " " + link
                + " && chmod 600 " + link + "`", assertThrows(PrivateFiles.UnsafeException.class,
                        () -> checks.checkSecret(link, "")).getMessage());
    }

    @Test
    void aFileOwnedBySomeoneElseIsRefusedWithTheChown() throws Exception {
        Path key = file("agent.key", "rw-------");
        Files.setAttribute(key, "unix:uid", 4321);
        PrivateFiles asAgent = new PrivateFiles(998, "outpost-agent");
        assertEquals(key + ": owned by 4321 (uid 4321), not by outpost-agent (uid 998) who runs this program, nor "
                + "by root. Fix: run it as 4321 (`runuser -u 4321 -- ...`), or if outpost-agent is to own it, `chown "
                + "outpost-agent: " + key + "`", assertThrows(PrivateFiles.UnsafeException.class,
                        () -> asAgent.checkSecret(key, "")).getMessage());
        Files.setAttribute(key, "unix:uid", 0);
        asAgent.checkSecret(key, ""); // root's files are trusted, as OpenSSH does
    }

    @Test
    void aDirectoryOthersCanWriteIsRefusedOneTheyCanOnlyReadIsReported() throws Exception {
        Path state = Files.createDirectory(dir.resolve("state"));
        Files.setPosixFilePermissions(state, PosixFilePermissions.fromString("rwxrwxrwx"));
        assertEquals(state + ": permissions 0777 let others write in it: they could have replaced the key. Fix: "
                + "`chmod 700 " + state + "`, then check those files", assertThrows(PrivateFiles.UnsafeException.class,
                        () -> checks.checkDirectory(state, "the key")).getMessage());
        Files.setPosixFilePermissions(state, PosixFilePermissions.fromString("rwxr-xr-x"));
        assertEquals(0755, checks.checkDirectory(state, "the key"));
    }

    @Test
    void aCertificateOthersCanChangeIsRefused() throws Exception {
        checks.checkProtected(file("ca.crt", "rw-r--r--"));
        Path ca = file("ca2.crt", "rw-rw-rw-");
        assertEquals(ca + ": permissions 0666 let others change it. Fix: `chmod go-w " + ca + "`, and check that it "
                + "is the file this program wrote", assertThrows(PrivateFiles.UnsafeException.class,
                        () -> checks.checkProtected(ca)).getMessage());
    }

    @Test
    void thisProcessIsWhoOwnsProcSelf() throws Exception {
        Path mine = file("mine", "rw-------");
        PrivateFiles.forThisProcess().checkSecret(mine, "");
        assertEquals("0640", PrivateFiles.octal(PrivateFiles.mode(PosixFilePermissions.fromString("rw-r-----"))));
    }
}
