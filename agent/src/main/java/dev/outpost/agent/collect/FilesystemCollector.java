package dev.outpost.agent.collect;

import io.micrometer.core.instrument.MeterRegistry;
import java.util.Arrays;
import java.util.Objects;

/**
 * {@code system.filesystem.usage{device, mountpoint, type, mode, state=used|free|reserved}} and
 * {@code system.filesystem.inodes.usage{..., state=used|free}} for the filesystems the filter accepts. "free" is
 * what unprivileged users can still write; "reserved" the blocks kept for root.
 */
public final class FilesystemCollector extends MeterCollector {
    private final HostProbe probe;
    private volatile FilesystemFilter filter;
    private final MeterFamily usage;
    private final MeterFamily inodes;

    public FilesystemCollector(HostProbe probe, MeterRegistry registry, FilesystemFilter filter) {
        super(registry);
        this.probe = Objects.requireNonNull(probe, "probe");
        this.filter = Objects.requireNonNull(filter, "filter");
        this.usage = gauge("system.filesystem.usage", "bytes", "Filesystem bytes used");
        this.inodes = gauge("system.filesystem.inodes.usage", "{inodes}", "FileSystem inodes used");
    }

    /** Applies a new filter from the next cycle on (configuration reload); meters of excluded filesystems go. */
    public void filter(FilesystemFilter next) {
        this.filter = Objects.requireNonNull(next, "filter");
    }

    @Override
    public String name() {
        return "filesystem";
    }

    @Override
    void update() {
        int reported = 0;
        for (HostProbe.FileStore fs : probe.fileStores(filter)) {
            if (!filter.accepts(fs.type(), fs.mountPoint())) {
                continue;
            }
            reported++;
            String mode = fs.readOnly() ? "ro" : "rw";
            String[] id = {"device", fs.device(), "mountpoint", fs.mountPoint(), "type", fs.type(), "mode", mode};
            set(usage, id, "used", fs.totalBytes() - fs.freeBytes());
            set(usage, id, "free", fs.usableBytes());
            set(usage, id, "reserved", fs.freeBytes() - fs.usableBytes());
            if (fs.totalInodes() > 0) {
                set(inodes, id, "used", fs.totalInodes() - fs.freeInodes());
                set(inodes, id, "free", fs.freeInodes());
            }
        }
        if (reported == 0) {
            throw new NoDataException("no mounted filesystem passes the filesystem filter");
        }
    }

    private static void set(MeterFamily family, String[] id, String state, long value) {
        String[] tags = Arrays.copyOf(id, id.length + 2);
        tags[id.length] = "state";
        tags[id.length + 1] = state;
        family.set(Math.max(0, value), tags);
    }
}
