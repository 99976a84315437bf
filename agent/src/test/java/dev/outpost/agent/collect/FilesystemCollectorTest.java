package dev.outpost.agent.collect;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.outpost.agent.metrics.MetricDef;
import dev.outpost.agent.metrics.Metrics;
import dev.outpost.agent.metrics.Points;
import java.util.List;
import java.util.TreeSet;
import org.junit.jupiter.api.Test;

/** The filesystem collector reports what the filter accepts and forgets filesystems that are unmounted. */
class FilesystemCollectorTest {
    private final FixtureHostProbe probe = new FixtureHostProbe("basic");
    private final Metrics metrics = new Metrics();

    @Test
    void defaultFilterLeavesOutPseudoFilesystems() {
        new FilesystemCollector(probe, metrics, FilesystemFilter.defaults()).collect();

        assertEquals(List.of("/", "/data", "/media/cdrom"), mountPoints(FilesystemCollector.USAGE));
        assertEquals(List.of("/", "/data"), mountPoints(FilesystemCollector.INODES),
                "a filesystem without inodes (iso9660) reports no inode usage");
    }

    @Test
    void configuredFilterIsApplied() {
        FilesystemFilter filter = new FilesystemFilter(List.of(), List.of("proc"), List.of(),
                List.of("/var/lib/docker/*", "/media/*"));
        new FilesystemCollector(probe, metrics, filter).collect();

        assertEquals(List.of("/", "/data", "/run"), mountPoints(FilesystemCollector.USAGE));
    }

    @Test
    void unmountedFilesystemLosesItsPoints() {
        FilesystemCollector collector = new FilesystemCollector(probe, metrics, FilesystemFilter.defaults());
        collector.collect();
        probe.use("later");
        collector.collect();

        assertEquals(List.of("/", "/media/cdrom"), mountPoints(FilesystemCollector.USAGE));
        assertEquals(List.of("/"), mountPoints(FilesystemCollector.INODES));
        assertEquals(3 + 3, metrics.pointsOf(FilesystemCollector.USAGE).size());
        assertEquals(2, metrics.pointsOf(FilesystemCollector.INODES).size());
    }

    private List<String> mountPoints(MetricDef def) {
        Points points = metrics.pointsOf(def);
        int key = def.attributes().indexOf("mountpoint");
        TreeSet<String> mounts = new TreeSet<>();
        for (int i = 0; i < points.size(); i++) {
            mounts.add(points.attribute(i, key));
        }
        return List.copyOf(mounts);
    }
}
