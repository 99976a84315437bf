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
 * through OSHI's driver; a disk that has no line there (it went away since the list was made) is left out.
 */
final class OshiDisks {
    /** /proc/diskstats counts 512-byte sectors whatever the device's sector size. */
    private static final long SECTOR_BYTES = 512;

    private final HardwareAbstractionLayer hardware;
    private final ChangeWatch blockDevices;
    private List<String> names = List.of();

    OshiDisks(HardwareAbstractionLayer hardware, Path sysBlock) {
        this.hardware = Objects.requireNonNull(hardware, "hardware");
        this.blockDevices = new ChangeWatch(sysBlock);
    }

    List<HostProbe.Disk> read() {
        if (blockDevices.changed()) {
            List<String> next = new ArrayList<>();
            for (HWDiskStore disk : hardware.getDiskStores()) {
                next.add(disk.getName().startsWith("/dev/") ? disk.getName().substring(5) : disk.getName());
            }
            names = List.copyOf(next);
        }
        Map<String, Map<IoStat, Long>> stats = DiskStats.getDiskStats();
        List<HostProbe.Disk> result = new ArrayList<>(names.size());
        for (String device : names) {
            Map<IoStat, Long> s = stats.get(device);
            if (s != null) {
                result.add(new HostProbe.Disk(device, get(s, IoStat.READS), get(s, IoStat.READS_MERGED),
                        get(s, IoStat.READS_SECTOR) * SECTOR_BYTES, get(s, IoStat.READS_MS), get(s, IoStat.WRITES),
                        get(s, IoStat.WRITES_MERGED), get(s, IoStat.WRITES_SECTOR) * SECTOR_BYTES,
                        get(s, IoStat.WRITES_MS), get(s, IoStat.IO_QUEUE_LENGTH), get(s, IoStat.IO_MS),
                        get(s, IoStat.IO_MS_WEIGHTED)));
            }
        }
        return result;
    }

    private static long get(Map<IoStat, Long> stat, IoStat field) {
        Long value = stat.get(field);
        return value == null ? 0 : value;
    }
}
