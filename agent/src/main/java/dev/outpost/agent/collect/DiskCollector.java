package dev.outpost.agent.collect;

import static dev.outpost.agent.metrics.MetricDef.Since.BOOT;
import static dev.outpost.agent.metrics.MetricDef.ValueType.DOUBLE;
import static dev.outpost.agent.metrics.MetricDef.ValueType.INT;

import dev.outpost.agent.metrics.MetricDef;
import dev.outpost.agent.metrics.Metrics;
import dev.outpost.agent.metrics.Points;
import java.util.List;
import java.util.Objects;

/**
 * The disk scraper's default metrics on Linux, per block device, from /proc/diskstats: bytes, operations and
 * merged operations per direction, seconds spent in operations per direction, seconds the device was busy and
 * that time weighted by the queue length, and I/Os in flight now.
 */
public final class DiskCollector extends PointCollector {
    public static final MetricDef IO = MetricDef.counter("system.disk.io", INT, "By", BOOT,
            "Disk bytes transferred.", "device", "direction");
    public static final MetricDef OPERATIONS = MetricDef.counter("system.disk.operations", INT, "{operations}", BOOT,
            "Disk operations count.", "device", "direction");
    public static final MetricDef IO_TIME = MetricDef.counter("system.disk.io_time", DOUBLE, "s", BOOT,
            "Time disk spent activated. On Windows, this is calculated as the inverse of disk idle time.", "device");
    public static final MetricDef OPERATION_TIME = MetricDef.counter("system.disk.operation_time", DOUBLE, "s", BOOT,
            "Time spent in disk operations.", "device", "direction");
    public static final MetricDef WEIGHTED_IO_TIME = MetricDef.counter("system.disk.weighted_io_time", DOUBLE, "s",
            BOOT, "Time disk spent activated multiplied by the queue length.", "device");
    public static final MetricDef PENDING_OPERATIONS = MetricDef.upDownCounter("system.disk.pending_operations", INT,
            "{operations}", BOOT, "The queue size of pending I/O operations.", "device");
    public static final MetricDef MERGED = MetricDef.counter("system.disk.merged", INT, "{operations}", BOOT,
            "The number of disk reads/writes merged into single physical disk access operations.", "device",
            "direction");

    private final HostProbe probe;
    private final Points io;
    private final Points operations;
    private final Points ioTime;
    private final Points operationTime;
    private final Points weightedIoTime;
    private final Points pending;
    private final Points merged;

    public DiskCollector(HostProbe probe, Metrics metrics) {
        super(metrics);
        this.probe = Objects.requireNonNull(probe, "probe");
        this.io = points(IO);
        this.operations = points(OPERATIONS);
        this.ioTime = points(IO_TIME);
        this.operationTime = points(OPERATION_TIME);
        this.weightedIoTime = points(WEIGHTED_IO_TIME);
        this.pending = points(PENDING_OPERATIONS);
        this.merged = points(MERGED);
    }

    @Override
    public String name() {
        return "disk";
    }

    @Override
    void update() {
        List<HostProbe.Disk> disks = probe.disks();
        if (disks.isEmpty()) {
            throw new NoDataException("no block devices found");
        }
        for (HostProbe.Disk d : disks) {
            String device = d.device();
            io.add(d.readBytes(), device, "read");
            io.add(d.writtenBytes(), device, "write");
            operations.add(d.reads(), device, "read");
            operations.add(d.writes(), device, "write");
            merged.add(d.readsMerged(), device, "read");
            merged.add(d.writesMerged(), device, "write");
            operationTime.add(d.readMillis() / 1e3, device, "read");
            operationTime.add(d.writeMillis() / 1e3, device, "write");
            ioTime.add(d.ioMillis() / 1e3, device);
            weightedIoTime.add(d.weightedIoMillis() / 1e3, device);
            pending.add(d.inProgress(), device);
        }
    }
}
