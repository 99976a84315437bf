package dev.outpost.wire;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class SecureFilesTest {
    @TempDir
    Path dir;

    @Test
    void secretFileIsOwnerOnlyAndReplacedAtomically() throws Exception {
        Path f = dir.resolve("sub/agent.key");
        SecureFiles.write(f, "one", SecureFiles.OWNER_ONLY);
        SecureFiles.write(f, "two", SecureFiles.OWNER_ONLY);
        assertEquals("two", Files.readString(f));
        assertEquals("rw-------", PosixFilePermissions.toString(Files.getPosixFilePermissions(f)));
        try (var files = Files.list(f.getParent())) {
            assertEquals(1, files.count(), "no temporary file left behind");
        }
    }

    @Test
    void replaceIsAtomicWithTheAskedPermissionsAndLeavesNoTemporaryFile() throws Exception {
        Path f = dir.resolve("status.json");
        SecureFiles.replace(f, "{\"a\":1}".getBytes(java.nio.charset.StandardCharsets.UTF_8), SecureFiles.PUBLIC);
        SecureFiles.replace(f, "{\"a\":2}".getBytes(java.nio.charset.StandardCharsets.UTF_8), SecureFiles.PUBLIC);
        assertEquals("{\"a\":2}", Files.readString(f));
        assertEquals("rw-r--r--", PosixFilePermissions.toString(Files.getPosixFilePermissions(f)));
        try (var files = Files.list(dir)) {
            assertEquals(1, files.count(), "no temporary file left behind");
        }
    }

    @Test
    void aParentThatIsAFileIsRefusedAsBefore() throws Exception {
        Files.writeString(dir.resolve("state"), "not a directory");
        assertThrows(FileAlreadyExistsException.class,
                () -> SecureFiles.replace(dir.resolve("state/status.json"), new byte[] {1}, SecureFiles.PUBLIC));
        assertEquals("not a directory", Files.readString(dir.resolve("state")));
    }

    @Test
    void aTemporaryFileOrLinkLeftByACrashedWriteIsReplacedNotFollowed() throws Exception {
        Path f = dir.resolve("ack");
        Files.writeString(dir.resolve(".ack.tmp"), "half a wri");
        SecureFiles.replace(f, "ack=7\n".getBytes(java.nio.charset.StandardCharsets.US_ASCII), SecureFiles.OWNER_ONLY);
        assertEquals("ack=7\n", Files.readString(f));

        Path victim = Files.writeString(dir.resolve("victim"), "untouched");
        Files.createSymbolicLink(dir.resolve(".ack.tmp"), victim);
        SecureFiles.write(f, "ack=8\n", SecureFiles.OWNER_ONLY);
        assertEquals("ack=8\n", Files.readString(f));
        assertEquals("untouched", Files.readString(victim), "the link was removed, not written through");
        assertEquals("rw-------", PosixFilePermissions.toString(Files.getPosixFilePermissions(f)));
        assertFalse(Files.exists(dir.resolve(".ack.tmp"), java.nio.file.LinkOption.NOFOLLOW_LINKS));
    }

    @Test
    void createRefusesToOverwrite() throws Exception {
        Path f = dir.resolve("ca.key");
        SecureFiles.create(f, new byte[] {1}, SecureFiles.OWNER_ONLY);
        assertThrows(FileAlreadyExistsException.class, () -> SecureFiles.create(f, new byte[] {2}, SecureFiles.OWNER_ONLY));
        assertEquals(1, Files.readAllBytes(f)[0]);
    }
}
