package dev.outpost.agent.collect;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import oshi.SystemInfo;
import oshi.hardware.CentralProcessor;
import oshi.hardware.CentralProcessor.TickType;
import oshi.hardware.HardwareAbstractionLayer;
import oshi.software.os.linux.LinuxOperatingSystemJNA;
import oshi.util.linux.ProcPath;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The real host: filesystems and the list of disks through OSHI, the rest straight from /proc files (CPU times,
 * load, memory, paging, disk counters, interfaces, processes, uptime) with OSHI's semantics where OSHI was the source,
 * through the pure parsers of {@link ProcFiles} and {@link ProcNet}: one read per file per cycle, no child process;
 * TCP sockets over netlink ({@link SockDiag}), else from /proc/net/tcp{,6}.
 * {@link SystemInfo} is created once (it costs 100+ ms) and OSHI's file store and disk objects are kept between
 * cycles and refreshed in place; their lists are rebuilt only when the mount table or the device set changes. Not thread-safe: call it from the collection thread.
 */
public final class OshiHostProbe implements HostProbe {
    private static final Logger LOG = LoggerFactory.getLogger(OshiHostProbe.class);
    private static final double MILLIS_PER_SECOND = 1000.0;
    /**
     * Held so that it stays made: JNA's cleaner thread lives as long as its native libraries (for the agent's life)
     * and every 30 s asks java.util.logging for this logger, which, weakly held there and collected in between, was
     * made and registered anew each time (1.5 ms of CPU in the interpreter; a lookup once it is kept).
     */
    @SuppressWarnings("unused")
    private static final java.util.logging.Logger JNA_CLEANER_LOG =
            java.util.logging.Logger.getLogger("com.sun.jna.internal.Cleaner");

    private final Path proc = Path.of(ProcPath.PROC);
    /** The files read every cycle, kept open (see {@link ProcFile}). */
    private final ProcFile stat = new ProcFile(proc.resolve("stat"));
    private final ProcFile loadavg = new ProcFile(proc.resolve("loadavg"));
    private final ProcFile meminfo = new ProcFile(proc.resolve("meminfo"));
    private final ProcFile swaps = new ProcFile(proc.resolve("swaps"));
    private final ProcFile vmstat = new ProcFile(proc.resolve("vmstat"));
    private final ProcFile netDev = new ProcFile(proc.resolve("net/dev"));
    private final ProcFile uptime = new ProcFile(proc.resolve("uptime"));
    private final CentralProcessor processor;
    /** Null when libc cannot be linked through JNA: OSHI's call is used instead. */
    private final LoadAverages loadAverages;
    private final int logicalCpus;
    /** Clock ticks a second, as OSHI reads it (sysconf(_SC_CLK_TCK)). */
    private final long hz;
    private final String[] cpuNames;
    private final OshiFileStores fileStores;
    private final OshiDisks disks;
    /**
     * /proc/stat as {@link #cpuTimes()} read it, taken (once) by {@link #processes()} later in the same cycle instead
     * of reading it again: the collectors run in that order, milliseconds apart. Null when there is none to take.
     */
    private String statThisCycle;
    /** Reused for the TCP tables, which can be megabytes on a busy server: read 64 KiB at a time. */
    private byte[] tcpBuffer;
    /**
     * TCP sockets are counted over netlink while the kernel allows it; null from the first refusal on (no JNA, or a
     * sandbox without AF_NETLINK), and the /proc tables are read instead: the same counts, more CPU.
     */
    private SockDiag sockDiag;

    OshiHostProbe(SystemInfo systemInfo, SockDiag sockDiag) {
        HardwareAbstractionLayer hardware = systemInfo.getHardware();
        this.processor = hardware.getProcessor();
        LoadAverages direct = null;
        try {
            direct = new LoadAverages();
        } catch (LinkageError e) {
            LOG.info("load averages through OSHI: getloadavg through JNA is unavailable ({})", e.toString());
        }
        this.loadAverages = direct;
        this.logicalCpus = Math.max(1, processor.getLogicalProcessorCount());
        this.hz = LinuxOperatingSystemJNA.hz();
        this.cpuNames = new String[logicalCpus];
        for (int i = 0; i < logicalCpus; i++) {
            cpuNames[i] = "cpu" + i;
        }
        this.fileStores = new OshiFileStores(systemInfo.getOperatingSystem().getFileSystem(),
                proc.resolve("self/mountinfo"));
        this.disks = new OshiDisks(hardware, proc.resolve("diskstats"));
        this.sockDiag = sockDiag;
    }

    /** A netlink counter of TCP sockets; null when JNA cannot be loaded. */
    static SockDiag sockDiag() {
        try {
            return new SockDiag();
        } catch (LinkageError e) {
            LOG.info("counting TCP sockets from /proc/net/tcp and tcp6: netlink through JNA is unavailable ({})",
                    e.toString());
            return null;
        }
    }

    /** Reads the host's hardware and OS description once (100+ ms); create one probe per process. */
    public static OshiHostProbe create() {
        return new OshiHostProbe(new SystemInfo(), sockDiag());
    }

    /**
     * Per logical CPU, from /proc/stat parsed by {@link ProcFiles#cpuTicks} with OSHI's rules (the values OSHI's
     * {@code getProcessorCpuLoadTicks} gives, which split every line with a regular expression): as many CPUs as OSHI
     * counts logical processors, read again once when the first reads all 0, in OSHI's clock-tick rate.
     */
    @Override
    public List<CpuTimes> cpuTimes() {
        statThisCycle = null; // a read of an earlier cycle is never taken, even if this one fails half-way
        String text = statText();
        long[][] ticks = ProcFiles.cpuTicks(text, logicalCpus);
        if (allZero(ticks[0])) {
            text = statText();
            ticks = ProcFiles.cpuTicks(text, logicalCpus); // as OSHI: a failed read gives 0s; try again
        }
        statThisCycle = text.isEmpty() ? null : text;
        ProcFiles.toMillis(ticks, hz);
        List<CpuTimes> cpus = new ArrayList<>(ticks.length);
        for (int i = 0; i < ticks.length; i++) {
            long[] t = ticks[i];
            cpus.add(new CpuTimes(cpuNames[i], seconds(t, TickType.USER), seconds(t, TickType.NICE),
                    seconds(t, TickType.SYSTEM), seconds(t, TickType.IDLE), seconds(t, TickType.IOWAIT),
                    seconds(t, TickType.IRQ), seconds(t, TickType.SOFTIRQ), seconds(t, TickType.STEAL)));
        }
        return cpus;
    }

    private static boolean allZero(long[] values) {
        long sum = 0;
        for (long v : values) {
            sum += v;
        }
        return sum == 0;
    }

    /** The text of /proc/stat; empty when it cannot be read (OSHI's reader: then every CPU reads 0). */
    private String statText() {
        try {
            return stat.text();
        } catch (UncheckedIOException e) {
            return "";
        }
    }

    /** From getloadavg(3) as OSHI calls it ({@link LoadAverages}), or through OSHI when JNA cannot link it. */
    @Override
    public LoadAverage loadAverage() {
        if (loadAverages != null) {
            return loadAverages.read();
        }
        double[] load = processor.getSystemLoadAverage(3);
        return new LoadAverage(load[0], load[1], load[2]);
    }

    @Override
    public Memory memory() {
        return ProcFiles.meminfo(meminfo.text());
    }

    @Override
    public Paging paging() {
        return ProcFiles.paging(ProcFiles.swapDevices(swaps.lines()), vmstat.text());
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
        return ProcNet.netDev(netDev.lines());
    }

    @Override
    public Map<String, Long> tcpConnections() {
        long[] counts = new long[ProcNet.TCP_STATES.size()];
        if (sockDiag != null) {
            try {
                sockDiag.countTcpStates(counts);
                return byState(counts);
            } catch (IOException | LinkageError e) {
                LOG.info("counting TCP sockets from /proc/net/tcp and tcp6 from now on: netlink sock_diag failed ({})",
                        e.getMessage());
                sockDiag = null;
                Arrays.fill(counts, 0);
            }
        }
        return byState(tcpTables(counts));
    }

    /** Adds the sockets of /proc/net/tcp and tcp6 to {@code counts}. */
    long[] tcpTables(long[] counts) {
        if (tcpBuffer == null) {
            tcpBuffer = new byte[64 * 1024];
        }
        for (String table : new String[] {"net/tcp", "net/tcp6"}) {
            try (InputStream in = Files.newInputStream(proc.resolve(table))) {
                ProcNet.countTcpStates(in, tcpBuffer, counts);
            } catch (NoSuchFileException e) {
                // No IPv6 (or no IPv4) in this kernel: no sockets of that kind.
            } catch (IOException e) {
                throw new UncheckedIOException("cannot read " + proc.resolve(table), e);
            }
        }
        return counts;
    }

    private static Map<String, Long> byState(long[] counts) {
        Map<String, Long> byState = new LinkedHashMap<>();
        for (int i = 0; i < counts.length; i++) {
            byState.put(ProcNet.TCP_STATES.get(i), counts[i]);
        }
        return byState;
    }

    @Override
    public Processes processes() {
        String text = statThisCycle != null ? statThisCycle : stat.text();
        statThisCycle = null;
        return ProcFiles.processes(text, loadavg.text());
    }

    /**
     * Whole seconds from /proc/uptime's first field, as OSHI's {@code getSystemUptime} gives them (it reads the same
     * file through its line reader, then truncates); 0 when the file cannot be read or parsed.
     */
    @Override
    public double uptimeSeconds() {
        try {
            return ProcFiles.uptimeSeconds(uptime.text());
        } catch (UncheckedIOException e) {
            return 0;
        }
    }

    /** From /proc/stat's btime; 0 (the agent's start stands in) when it cannot be read, rather than no agent. */
    @Override
    public long bootTimeSeconds() {
        try {
            return ProcFiles.bootTime(stat.text());
        } catch (UncheckedIOException | NumberFormatException e) {
            return 0;
        }
    }

    private static double seconds(long[] ticks, TickType type) {
        return ticks[type.getIndex()] / MILLIS_PER_SECOND;
    }
}
