package dev.outpost.agent.collect;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.micrometer.core.instrument.Meter;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.util.List;
import java.util.TreeSet;
import org.junit.jupiter.api.Test;

/** The filesystem collector reports what the filter accepts and forgets filesystems that are unmounted. */
class FilesystemCollectorTest {
    private final FixtureHostProbe probe = new FixtureHostProbe("basic");
    private final SimpleMeterRegistry registry = TestRegistries.cumulative();

    @Test
    void defaultFilterLeavesOutPseudoFilesystems() {
        new FilesystemCollector(probe, registry, FilesystemFilter.defaults()).collect();

        assertEquals(List.of("/", "/data", "/media/cdrom"), mountPoints("system.filesystem.usage"));
        assertEquals(List.of("/", "/data"), mountPoints("system.filesystem.inodes.usage"),
                "a filesystem without inodes (iso9660) reports no inode usage");
    }

    @Test
    void configuredFilterIsApplied() {
        FilesystemFilter filter = new FilesystemFilter(List.of(), List.of("proc"), List.of(),
                List.of("/var/lib/docker/*", "/media/*"));
        new FilesystemCollector(probe, registry, filter).collect();

        assertEquals(List.of("/", "/data", "/run"), mountPoints("system.filesystem.usage"));
    }

    @Test
    void unmountedFilesystemLosesItsMeters() {
        FilesystemCollector collector = new FilesystemCollector(probe, registry, FilesystemFilter.defaults());
        collector.collect();
        probe.use("later");
        collector.collect();

        assertEquals(List.of("/", "/media/cdrom"), mountPoints("system.filesystem.usage"));
        assertEquals(List.of("/"), mountPoints("system.filesystem.inodes.usage"));
        assertEquals(3 + 3 + 2, registry.getMeters().size());
    }

    private List<String> mountPoints(String metric) {
        TreeSet<String> mounts = new TreeSet<>();
        for (Meter meter : registry.find(metric).meters()) {
            mounts.add(meter.getId().getTag("mountpoint"));
        }
        return List.copyOf(mounts);
    }
}
