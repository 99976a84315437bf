package dev.outpost.agent.collect;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import oshi.SystemInfo;
import oshi.hardware.CentralProcessor;
import oshi.hardware.CentralProcessor.TickType;
import oshi.hardware.GlobalMemory;
import oshi.hardware.HardwareAbstractionLayer;
import oshi.hardware.VirtualMemory;
import oshi.software.os.OperatingSystem;
import oshi.util.FileUtil;
import oshi.util.linux.ProcPath;
import oshi.util.linux.SysPath;

/**
 * The real host, read through OSHI. {@link SystemInfo} is created once (it costs 100+ ms) and OSHI's file store,
 * disk and network interface objects are kept between cycles and refreshed in place; their lists are rebuilt
 * only when the mount table or the device set changes, so a steady-state cycle forks no process. The few figures
 * OSHI lacks (memory breakdown, swap devices, run queue) come from /proc through OSHI's own file helpers.
 * Not thread-safe: call it from the collection thread only.
 */
public final class OshiHostProbe implements HostProbe {
    private static final double MILLIS_PER_SECOND = 1000.0;

    private final CentralProcessor processor;
    private final GlobalMemory memory;
    private final OperatingSystem os;
    private final OshiFileStores fileStores;
    private final OshiDisks disks;
    private final OshiNetworkInterfaces nics;

    private OshiHostProbe(SystemInfo systemInfo) {
        HardwareAbstractionLayer hardware = systemInfo.getHardware();
        this.processor = hardware.getProcessor();
        this.memory = hardware.getMemory();
        this.os = systemInfo.getOperatingSystem();
        this.fileStores = new OshiFileStores(os.getFileSystem(), Path.of(ProcPath.PROC, "self", "mountinfo"));
        this.disks = new OshiDisks(hardware, Path.of(SysPath.SYS, "block"));
        this.nics = new OshiNetworkInterfaces(hardware, Path.of(SysPath.NET), Path.of(ProcPath.PROC, "net"));
    }

    /** Reads the host's hardware and OS description once (100+ ms); create one probe per process. */
    public static OshiHostProbe create() {
        return new OshiHostProbe(new SystemInfo());
    }

    @Override
    public List<CpuTimes> cpuTimes() {
        long[][] ticks = processor.getProcessorCpuLoadTicks();
        List<CpuTimes> cpus = new ArrayList<>(ticks.length);
        for (int i = 0; i < ticks.length; i++) {
            long[] t = ticks[i];
            cpus.add(new CpuTimes("cpu" + i, seconds(t, TickType.USER), seconds(t, TickType.NICE),
                    seconds(t, TickType.SYSTEM), seconds(t, TickType.IDLE), seconds(t, TickType.IOWAIT),
                    seconds(t, TickType.IRQ), seconds(t, TickType.SOFTIRQ), seconds(t, TickType.STEAL)));
        }
        return cpus;
    }

    @Override
    public LoadAverage loadAverage() {
        double[] load = processor.getSystemLoadAverage(3);
        return new LoadAverage(load[0], load[1], load[2]);
    }

    @Override
    public Memory memory() {
        ProcFiles.MemoryBreakdown breakdown =
                ProcFiles.memoryBreakdown(FileUtil.getKeyValueMapFromFile(ProcPath.MEMINFO, ":"));
        return new Memory(memory.getTotal(), memory.getAvailable(), breakdown.free(), breakdown.buffered(),
                breakdown.cached());
    }

    @Override
    public Paging paging() {
        VirtualMemory virtual = memory.getVirtualMemory();
        List<SwapDevice> devices = ProcFiles.swapDevices(FileUtil.readFile(ProcPath.PROC + "/swaps", false));
        return new Paging(devices, virtual.getSwapPagesIn(), virtual.getSwapPagesOut());
    }

    @Override
    public List<FileStore> fileStores(FilesystemFilter filter) {
        return fileStores.read(filter);
    }

    @Override
    public List<Disk> disks() {
        return disks.read();
    }

    @Override
    public List<Nic> networkInterfaces() {
        return nics.read();
    }

    @Override
    public Processes processes() {
        ProcFiles.RunQueue runQueue = ProcFiles.runQueue(FileUtil.readFile(ProcPath.STAT, false));
        return new Processes(os.getProcessCount(), runQueue.running(), runQueue.blocked());
    }

    @Override
    public double uptimeSeconds() {
        return os.getSystemUptime();
    }

    private static double seconds(long[] ticks, TickType type) {
        return ticks[type.getIndex()] / MILLIS_PER_SECOND;
    }
}
