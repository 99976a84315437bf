package dev.outpost.agent.collect;

import java.util.List;
import java.util.Map;

/**
 * Reads the host's current counters and levels as plain records, so that collectors never see OSHI types and
 * tests can feed them fixture data. Each call returns fresh values; implementations may throw an unchecked
 * exception when a source cannot be read, and report an unknown value as {@code -1}.
 */
public interface HostProbe {

    /** Cumulative time per logical CPU, in OS order. */
    List<CpuTimes> cpuTimes();

    /** The 1, 5 and 15 minute load averages; negative values when the OS does not provide them. */
    LoadAverage loadAverage();

    Memory memory();

    Paging paging();

    /** Mounted filesystems that {@code filter} accepts; sizes are read only for those. */
    List<FileStore> fileStores(FilesystemFilter filter);

    List<Disk> disks();

    List<Nic> networkInterfaces();

    /** TCP sockets (IPv4 and IPv6) per state, keyed by the names in {@link ProcNet#TCP_STATES}. */
    Map<String, Long> tcpConnections();

    Processes processes();

    /** Seconds since boot. */
    double uptimeSeconds();

    /** When the host booted, in seconds since the epoch; 0 when unknown. */
    long bootTimeSeconds();

    /** Seconds one logical CPU ({@code cpu} like "cpu0") spent in each state since boot. */
    record CpuTimes(String cpu, double user, double nice, double system, double idle, double iowait,
            double irq, double softirq, double steal) {
    }

    record LoadAverage(double oneMinute, double fiveMinutes, double fifteenMinutes) {
    }

    /**
     * Physical memory in bytes, as /proc/meminfo says: {@code cached} is its "Cached" line (page cache), the slab
     * figures its "SReclaimable" and "SUnreclaim"; -1 where a line is missing.
     */
    record Memory(long total, long free, long available, long buffers, long cached, long slabReclaimable,
            long slabUnreclaimable) {
    }

    /**
     * Swap devices, and paging since boot from /proc/vmstat: page faults (all, and major), pages paged in and out
     * (pgpgin, pgpgout) and pages swapped in and out (pswpin, pswpout).
     */
    record Paging(List<SwapDevice> devices, long faults, long majorFaults, long pagesIn, long pagesOut,
            long swapIns, long swapOuts) {
    }

    record SwapDevice(String device, long usedBytes, long freeBytes) {
    }

    /**
     * One mounted filesystem: {@code freeBytes} includes the blocks reserved for root, {@code usableBytes}
     * does not.
     */
    record FileStore(String device, String mountPoint, String type, boolean readOnly, long totalBytes,
            long freeBytes, long usableBytes, long totalInodes, long freeInodes) {
    }

    /**
     * Cumulative I/O of one block device ({@code device} like "sda"), as /proc/diskstats counts it: operations,
     * merged operations, bytes and milliseconds spent per direction, I/Os in flight now, milliseconds the device
     * was busy and that time weighted by the number of I/Os in flight.
     */
    record Disk(String device, long reads, long readsMerged, long readBytes, long readMillis, long writes,
            long writesMerged, long writtenBytes, long writeMillis, long inProgress, long ioMillis,
            long weightedIoMillis) {
    }

    /** Cumulative traffic of one network interface ({@code device} like "eth0"), as /proc/net/dev counts it. */
    record Nic(String device, long bytesReceived, long packetsReceived, long receiveErrors, long receiveDropped,
            long bytesSent, long packetsSent, long transmitErrors, long transmitDropped) {
    }

    /**
     * Tasks (processes and threads) the kernel knows of now, those running and blocked on I/O now, and processes
     * created since boot; -1 when unknown.
     */
    record Processes(long tasks, long running, long blocked, long created) {
    }
}
