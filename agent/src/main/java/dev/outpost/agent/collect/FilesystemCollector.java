package dev.outpost.agent.collect;

import static dev.outpost.agent.metrics.MetricDef.Since.BOOT;
import static dev.outpost.agent.metrics.MetricDef.ValueType.INT;

import dev.outpost.agent.metrics.MetricDef;
import dev.outpost.agent.metrics.Metrics;
import dev.outpost.agent.metrics.Points;
import java.util.Objects;

/**
 * The filesystem scraper's default metrics for the filesystems the filter accepts:
 * {@code system.filesystem.usage{device, mode, mountpoint, type, state=used|free|reserved}} and
 * {@code system.filesystem.inodes.usage{..., state=used|free}} (left out for filesystems without inodes, such as
 * iso9660). "free" is what unprivileged users can still write; "reserved" the blocks kept for root.
 */
public final class FilesystemCollector extends PointCollector {
    public static final MetricDef USAGE = MetricDef.upDownCounter("system.filesystem.usage", INT, "By", BOOT,
            "Filesystem bytes used.", "device", "mode", "mountpoint", "type", "state");
    public static final MetricDef INODES = MetricDef.upDownCounter("system.filesystem.inodes.usage", INT,
            "{inodes}", BOOT, "FileSystem inodes used.", "device", "mode", "mountpoint", "type", "state");

    private final HostProbe probe;
    private volatile FilesystemFilter filter;
    private final Points usage;
    private final Points inodes;

    public FilesystemCollector(HostProbe probe, Metrics metrics, FilesystemFilter filter) {
        super(metrics);
        this.probe = Objects.requireNonNull(probe, "probe");
        this.filter = Objects.requireNonNull(filter, "filter");
        this.usage = points(USAGE);
        this.inodes = points(INODES);
    }

    /** Applies a new filter from the next cycle on (configuration reload). */
    public void filter(FilesystemFilter next) {
        this.filter = Objects.requireNonNull(next, "filter");
    }

    @Override
    public String name() {
        return "filesystem";
    }

    @Override
    void update() {
        FilesystemFilter current = filter;
        int reported = 0;
        for (HostProbe.FileStore fs : probe.fileStores(current)) {
            if (!current.accepts(fs.type(), fs.mountPoint())) {
                continue;
            }
            reported++;
            String mode = fs.readOnly() ? "ro" : "rw";
            String dev = fs.device();
            String mount = fs.mountPoint();
            String type = fs.type();
            usage.add(Math.max(0, fs.totalBytes() - fs.freeBytes()), dev, mode, mount, type, "used");
            usage.add(Math.max(0, fs.usableBytes()), dev, mode, mount, type, "free");
            usage.add(Math.max(0, fs.freeBytes() - fs.usableBytes()), dev, mode, mount, type, "reserved");
            if (fs.totalInodes() > 0) {
                inodes.add(Math.max(0, fs.totalInodes() - fs.freeInodes()), dev, mode, mount, type, "used");
                inodes.add(Math.max(0, fs.freeInodes()), dev, mode, mount, type, "free");
            }
        }
        if (reported == 0) {
            throw new NoDataException("no mounted filesystem passes the filesystem filter");
        }
    }
}
