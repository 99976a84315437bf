package dev.outpost.agent.enroll;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.KeyPair;
import java.security.SecureRandom;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The key of a renewal request survives a lost answer and a restart, and is never the key already in use. */
class RenewalKeyTest {
    @TempDir
    Path dir;
    final SecureRandom random = new SecureRandom();

    @Test
    void theSameKeyUntilItIsInUseThenANewOne() throws Exception {
        KeyPair first = new RenewalKey(dir, random).next(null);
        assertEquals("rw-------", PosixFilePermissions.toString(Files.getPosixFilePermissions(
                dir.resolve(RenewalKey.FILE))));
        KeyPair again = new RenewalKey(dir, random).next(null); // a retry after a restart
        assertEquals(first.getPublic(), again.getPublic());
        assertEquals(first.getPrivate(), again.getPrivate());

        KeyPair next = new RenewalKey(dir, random).next(first.getPublic()); // the renewal went through
        assertNotEquals(first.getPublic(), next.getPublic());
    }

    @Test
    void aRefusedOrHalfWrittenKeyIsReplaced() throws Exception {
        RenewalKey keys = new RenewalKey(dir, random);
        KeyPair first = keys.next(null);
        keys.discard();
        assertFalse(Files.exists(dir.resolve(RenewalKey.FILE)));
        assertNotEquals(first.getPublic(), keys.next(null).getPublic());

        Files.writeString(dir.resolve(RenewalKey.FILE), "-----BEGIN PRIVATE KEY-----\nMIGH");
        KeyPair fresh = keys.next(null);
        assertEquals(fresh.getPublic(), keys.next(null).getPublic());
    }
}
