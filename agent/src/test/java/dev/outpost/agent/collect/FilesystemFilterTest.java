package dev.outpost.agent.collect;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;

class FilesystemFilterTest {

    @Test
    void defaultsExcludePseudoFilesystemsOnly() {
        FilesystemFilter filter = FilesystemFilter.defaults();

        for (String type : List.of("proc", "sysfs", "tmpfs", "overlay", "cgroup2", "devtmpfs", "squashfs",
                "fuse.lxcfs", "nsfs", "tracefs")) {
            assertFalse(filter.accepts(type, "/somewhere"), type);
        }
        for (String type : List.of("ext4", "xfs", "btrfs", "zfs", "nfs4", "vfat", "fuse.sshfs")) {
            assertTrue(filter.accepts(type, "/somewhere"), type);
        }
    }

    @Test
    void includeTypesReportOnlyThoseTypes() {
        FilesystemFilter filter = new FilesystemFilter(List.of("ext4", "fuse.*"), List.of(), List.of(), List.of());

        assertTrue(filter.accepts("ext4", "/"));
        assertTrue(filter.accepts("fuse.sshfs", "/mnt/remote"));
        assertFalse(filter.accepts("xfs", "/data"));
        assertFalse(filter.accepts("fuse", "/mnt/fuse"), "fuse.* needs the dot");
    }

    @Test
    void excludeWinsOverInclude() {
        FilesystemFilter filter = new FilesystemFilter(List.of("ext4"), List.of("ext4"), List.of("/"), List.of());

        assertFalse(filter.accepts("ext4", "/"));
    }

    @Test
    void mountPointGlobsMatchAnyRunOfCharactersIncludingSlashes() {
        FilesystemFilter filter = new FilesystemFilter(List.of(), List.of(), List.of(),
                List.of("/var/lib/docker/*", "/snap/*/current", "/boot"));

        assertFalse(filter.accepts("ext4", "/var/lib/docker/overlay2/3f9a/merged"));
        assertFalse(filter.accepts("squashfs", "/snap/core22/current"));
        assertFalse(filter.accepts("vfat", "/boot"));
        assertTrue(filter.accepts("vfat", "/boot/efi"), "an entry without * is an exact path");
        assertTrue(filter.accepts("ext4", "/var/lib/docker"), "the glob needs something after the slash");
        assertTrue(filter.accepts("ext4", "/var/lib/dockerd"));
    }

    @Test
    void includeMountPointsReportOnlyThoseMounts() {
        FilesystemFilter filter = new FilesystemFilter(List.of(), List.of(), List.of("/", "/srv/*"), List.of());

        assertTrue(filter.accepts("ext4", "/"));
        assertTrue(filter.accepts("xfs", "/srv/db"));
        assertFalse(filter.accepts("xfs", "/home"));
    }

    @Test
    void globCharactersOtherThanStarAreLiteral() {
        FilesystemFilter filter = new FilesystemFilter(List.of(), List.of(), List.of(), List.of("/mnt/a.b"));

        assertFalse(filter.accepts("ext4", "/mnt/a.b"));
        assertTrue(filter.accepts("ext4", "/mnt/aXb"));
    }

    @Test
    void badArgumentsAreRejectedNamingTheListAndValue() {
        assertEquals("exclude_types: \"tmp fs\" is not a filesystem type; use names like \"ext4\" or globs like "
                + "\"fuse.*\"", reject(List.of(), List.of("tmp fs"), List.of(), List.of()));
        assertEquals("include_mount_points: \"var/lib\" is not an absolute path; use a path like \"/var/lib/docker\""
                + " or a glob like \"/var/lib/docker/*\"", reject(List.of(), List.of(), List.of("var/lib"), List.of()));
        assertEquals("include_types: empty entry; remove it or name a value",
                reject(List.of(" "), List.of(), List.of(), List.of()));
        assertEquals("exclude_mount_points: empty entry; remove it or name a value",
                reject(List.of(), List.of(), List.of(), Arrays.asList("/ok", null)));
        assertEquals("exclude_mount_points: \"/a\nb\" contains a control character",
                reject(List.of(), List.of(), List.of(), List.of("/a\nb")));
        assertEquals("include_types must be a list (use [] for none), not null",
                reject(null, List.of(), List.of(), List.of()));
    }

    private static String reject(List<String> includeTypes, List<String> excludeTypes, List<String> includeMounts,
            List<String> excludeMounts) {
        return assertThrows(IllegalArgumentException.class,
                () -> new FilesystemFilter(includeTypes, excludeTypes, includeMounts, excludeMounts)).getMessage();
    }
}
