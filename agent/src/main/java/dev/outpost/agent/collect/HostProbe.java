package dev.outpost.agent.collect;

import java.util.List;

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

    Processes processes();

    /** Seconds since boot. */
    double uptimeSeconds();

    /** Seconds one logical CPU ({@code cpu} like "cpu0") spent in each state since boot. */
    record CpuTimes(String cpu, double user, double nice, double system, double idle, double iowait,
            double irq, double softirq, double steal) {
    }

    record LoadAverage(double oneMinute, double fiveMinutes, double fifteenMinutes) {
    }

    /**
     * Physical memory in bytes. {@code free}, {@code buffered} and {@code cached} (page cache plus reclaimable
     * slab) are -1 where the OS does not break them down.
     */
    record Memory(long total, long available, long free, long buffered, long cached) {
    }

    /** Swap devices and the pages swapped in and out since boot. */
    record Paging(List<SwapDevice> devices, long pagesSwappedIn, long pagesSwappedOut) {
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

    /** Cumulative I/O of one block device ({@code device} like "sda"). */
    record Disk(String device, long readBytes, long writtenBytes, long reads, long writes, long ioTimeMillis) {
    }

    /** Cumulative traffic of one network interface ({@code device} like "eth0"). */
    record Nic(String device, long bytesReceived, long bytesSent, long packetsReceived, long packetsSent,
            long receiveErrors, long transmitErrors, long receiveDropped) {
    }

    /** Processes in total, and threads running and blocked on I/O right now (-1 when unknown). */
    record Processes(long total, long running, long blocked) {
    }
}
