package dev.outpost.agent.collect;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import oshi.hardware.HWDiskStore;
import oshi.hardware.HardwareAbstractionLayer;
import oshi.util.driver.linux.proc.DiskStats;
import oshi.util.driver.linux.proc.DiskStats.IoStat;

/**
 * The block devices: OSHI chooses which devices are disks (whole disks, no partitions or loop devices) and that
 * list is rebuilt only when /sys/block changes. Counters for all of them come from one read of /proc/diskstats
 * through OSHI's driver; a disk missing there falls back to {@link HWDiskStore#updateAttributes()}, which
 * enumerates udev and costs about a millisecond per disk.
 */
final class OshiDisks {
    /** /proc/diskstats counts 512-byte sectors whatever the device's sector size. */
    private static final long SECTOR_BYTES = 512;

    private final HardwareAbstractionLayer hardware;
    private final ChangeWatch blockDevices;
    private List<HWDiskStore> disks = List.of();

    OshiDisks(HardwareAbstractionLayer hardware, Path sysBlock) {
        this.hardware = Objects.requireNonNull(hardware, "hardware");
        this.blockDevices = new ChangeWatch(sysBlock);
    }

    List<HostProbe.Disk> read() {
        if (blockDevices.changed()) {
            disks = List.copyOf(hardware.getDiskStores());
        }
        Map<String, Map<IoStat, Long>> stats = DiskStats.getDiskStats();
        List<HostProbe.Disk> result = new ArrayList<>(disks.size());
        for (HWDiskStore disk : disks) {
            String device = disk.getName().startsWith("/dev/") ? disk.getName().substring(5) : disk.getName();
            Map<IoStat, Long> stat = stats.get(device);
            if (stat != null) {
                result.add(new HostProbe.Disk(device, get(stat, IoStat.READS_SECTOR) * SECTOR_BYTES,
                        get(stat, IoStat.WRITES_SECTOR) * SECTOR_BYTES, get(stat, IoStat.READS),
                        get(stat, IoStat.WRITES), get(stat, IoStat.IO_MS)));
            } else if (disk.updateAttributes()) {
                result.add(new HostProbe.Disk(device, disk.getReadBytes(), disk.getWriteBytes(), disk.getReads(),
                        disk.getWrites(), disk.getTransferTime()));
            }
        }
        return result;
    }

    private static long get(Map<IoStat, Long> stat, IoStat field) {
        Long value = stat.get(field);
        return value == null ? 0 : value;
    }
}
