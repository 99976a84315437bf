package dev.outpost.agent.collect;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ChangeWatchTest {
    @TempDir
    Path dir;

    @Test
    void fileContentChangeIsSeenOnce() throws IOException {
        Path mounts = Files.writeString(dir.resolve("mountinfo"), "22 1 8:1 / / rw - ext4 /dev/sda1 rw\n");
        ChangeWatch watch = new ChangeWatch(mounts);

        assertTrue(watch.changed(), "the first look counts as a change");
        assertFalse(watch.changed());
        Files.writeString(mounts, "22 1 8:1 / / rw - ext4 /dev/sda1 rw\n30 22 8:17 / /data rw - xfs /dev/sdb1 rw\n");
        assertTrue(watch.changed());
        assertFalse(watch.changed());
    }

    @Test
    void aChangeInAnyOfSeveralFilesIsSeen() throws IOException {
        Path mounts = Files.writeString(dir.resolve("mountinfo"), "22 1 8:1 / / rw - ext4 /dev/sda1 rw\n");
        Path routes = Files.writeString(dir.resolve("route"), "Iface\tDestination\n");
        ChangeWatch watch = new ChangeWatch(mounts, routes);
        watch.changed();

        Files.writeString(routes, "Iface\tDestination\neth0\t0001A8C0\n");
        assertTrue(watch.changed());
        assertFalse(watch.changed());
        Files.writeString(mounts, "");
        assertTrue(watch.changed());
        assertFalse(watch.changed());
    }

    @Test
    void unreadableSourceCountsAsEmpty() throws IOException {
        Path missing = dir.resolve("missing");
        ChangeWatch watch = new ChangeWatch(missing);

        assertTrue(watch.changed());
        assertFalse(watch.changed());
        Files.writeString(missing, "now here");
        assertTrue(watch.changed());
    }
}
