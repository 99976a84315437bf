package dev.outpost.agent.collect;

import io.micrometer.core.instrument.MeterRegistry;
import java.util.List;
import java.util.Objects;

/**
 * {@code system.disk.io{device, direction=read|write}} (bytes), {@code system.disk.operations{device, direction}}
 * and {@code system.disk.io_time{device}} (seconds the device was busy), all cumulative since boot.
 */
public final class DiskCollector extends MeterCollector {
    private final HostProbe probe;
    private final MeterFamily io;
    private final MeterFamily operations;
    private final MeterFamily ioTime;

    public DiskCollector(HostProbe probe, MeterRegistry registry) {
        super(registry);
        this.probe = Objects.requireNonNull(probe, "probe");
        this.io = counter("system.disk.io", "bytes", "Disk bytes transferred");
        this.operations = counter("system.disk.operations", "{operations}", "Disk operations count");
        this.ioTime = counter("system.disk.io_time", "seconds", "Time disk spent activated");
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
        for (HostProbe.Disk disk : disks) {
            String device = disk.device();
            io.set(disk.readBytes(), "device", device, "direction", "read");
            io.set(disk.writtenBytes(), "device", device, "direction", "write");
            operations.set(disk.reads(), "device", device, "direction", "read");
            operations.set(disk.writes(), "device", device, "direction", "write");
            ioTime.set(disk.ioTimeMillis() / 1000.0, "device", device);
        }
    }
}
