package dev.outpost.agent.collect;

import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Objects;
import oshi.hardware.HWDiskStore;
import oshi.hardware.HardwareAbstractionLayer;

/**
 * The block devices: OSHI chooses which devices are disks (whole disks, no partitions or loop devices) and that
 * list is rebuilt only when the devices /proc/diskstats lists change (a disk added or removed appears there as in
 * /sys/block; listing /sys/block every cycle was a tenth of the collection thread's time in the interpreter). Counters
 * for all of them come from that same read of /proc/diskstats,
 * parsed by {@link ProcFiles#diskStats} for those disks only (OSHI's driver split every line with a regular expression
 * into a map per device, loop devices and partitions included, each cycle); a disk that has no line there (it went
 * away since the list was made) is left out.
 */
final class OshiDisks {
    private final HardwareAbstractionLayer hardware;
    /** The device column of /proc/diskstats when {@link #names} was made; null before the first read. */
    private String[] devices;
    private final ProcFile diskStats;
    private List<String> names = List.of();

    OshiDisks(HardwareAbstractionLayer hardware, Path diskStats) {
        this.hardware = Objects.requireNonNull(hardware, "hardware");
        this.diskStats = new ProcFile(diskStats);
    }

    List<HostProbe.Disk> read() {
        List<String> lines;
        try {
            lines = diskStats.lines();
        } catch (UncheckedIOException e) {
            lines = List.of(); // as OSHI's reader did: no file, no disks (the collector reports no data)
        }
        String[] now = ProcFiles.deviceColumn(lines);
        if (devices == null || !Arrays.equals(devices, now)) {
            List<String> next = new ArrayList<>();
            for (HWDiskStore disk : hardware.getDiskStores()) {
                next.add(disk.getName().startsWith("/dev/") ? disk.getName().substring(5) : disk.getName());
            }
            names = List.copyOf(next);
            devices = now;
        }
        return ProcFiles.diskStats(lines, names);
    }
}
