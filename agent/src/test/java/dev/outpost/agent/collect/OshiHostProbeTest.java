package dev.outpost.agent.collect;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.outpost.agent.metrics.AgentMeters;
import dev.outpost.agent.metrics.Metrics;
import dev.outpost.agent.metrics.Points;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.util.HashMap;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** The real probe on this Linux host, checked against what /proc says directly. */
class OshiHostProbeTest {
    private static Metrics metrics;
    private static HostCollection collection;

    @BeforeAll
    static void collectFromThisHost() {
        assumeTrue(Files.isReadable(Path.of("/proc/stat")), "needs Linux /proc");
        metrics = new Metrics();
        collection = new HostCollection(OshiHostProbe.create(), metrics, FilesystemFilter.defaults(),
                Clock.systemUTC());
        collection.collectOnce();
        collection.collectOnce();
    }

    @Test
    void everyCollectorSucceeded() {
        Points success = metrics.pointsOf(AgentMeters.COLLECTOR_SUCCESS);
        assertEquals(9, success.size());
        for (int i = 0; i < success.size(); i++) {
            assertEquals(1, success.longValue(i), success.attribute(i, 0));
        }
    }

    @Test
    void cpuTimeIsPositiveForEveryCpuListedInProcStat() throws IOException {
        long cpusInProcStat = Files.readAllLines(Path.of("/proc/stat")).stream()
                .filter(line -> line.matches("cpu\\d+ .*")).count();
        Points time = metrics.pointsOf(CpuCollector.TIME);
        Map<String, Double> perCpu = new HashMap<>();
        for (int i = 0; i < time.size(); i++) {
            perCpu.merge(time.attribute(i, 0), time.doubleValue(i), Double::sum);
        }
        assertEquals(cpusInProcStat, perCpu.size());
        perCpu.forEach((cpu, seconds) -> assertTrue(seconds > 0, cpu + " has " + seconds + " s"));
    }

    @Test
    void uptimeAndBootTimeMatchProc() throws IOException {
        double procUptime = Double.parseDouble(Files.readString(Path.of("/proc/uptime")).split(" ")[0]);
        double uptime = metrics.pointsOf(SystemCollector.UPTIME).doubleValue(0);
        assertTrue(uptime > 0 && Math.abs(uptime - procUptime) < 30, uptime + " vs /proc/uptime " + procUptime);
        long btime = Files.readAllLines(Path.of("/proc/stat")).stream().filter(l -> l.startsWith("btime "))
                .mapToLong(l -> Long.parseLong(l.substring(6).trim())).findFirst().orElseThrow();
        assertEquals(btime, collection.bootTimeSeconds());
    }

    @Test
    void memoryStatesUsedFreeBufferedCachedAddUpToMemTotal() throws IOException {
        long memTotal = Files.readAllLines(Path.of("/proc/meminfo")).stream()
                .filter(line -> line.startsWith("MemTotal:"))
                .mapToLong(line -> Long.parseLong(line.replaceAll("\\D", "")) * 1024).findFirst().orElseThrow();
        Map<String, Long> byState = byFirstAttribute(metrics.pointsOf(MemoryCollector.USAGE));
        assertEquals(Set.of("used", "free", "buffered", "cached", "slab_reclaimable", "slab_unreclaimable"),
                byState.keySet());
        assertEquals(memTotal, byState.get("used") + byState.get("free") + byState.get("buffered")
                + byState.get("cached"));
    }

    @Test
    void networkInterfacesAreThoseOfProcNetDevAndTcpSocketsAreCountedInEveryState() throws IOException {
        Set<String> inProc = Files.readAllLines(Path.of("/proc/net/dev")).stream().skip(2)
                .map(l -> l.substring(0, l.indexOf(':')).trim()).collect(Collectors.toSet());
        Points io = metrics.pointsOf(NetworkCollector.IO);
        Set<String> reported = new java.util.HashSet<>();
        for (int i = 0; i < io.size(); i++) {
            reported.add(io.attribute(i, 0));
        }
        assertEquals(inProc, reported);
        assertEquals(12, metrics.pointsOf(NetworkCollector.CONNECTIONS).size());
    }

    @Test
    void rootFilesystemDisksAndProcessesHaveRealFigures() {
        Points usage = metrics.pointsOf(FilesystemCollector.USAGE);
        boolean rootUsed = false;
        for (int i = 0; i < usage.size(); i++) {
            rootUsed |= usage.attribute(i, 2).equals("/") && usage.attribute(i, 4).equals("used")
                    && usage.longValue(i) > 0;
        }
        assertTrue(rootUsed, "/ has bytes used");
        assertTrue(sum(metrics.pointsOf(DiskCollector.OPERATIONS)) > 0);
        assertTrue(sum(metrics.pointsOf(NetworkCollector.PACKETS)) > 0);
        assertTrue(sum(metrics.pointsOf(ProcessesCollector.COUNT)) >= 1);
        assertTrue(metrics.pointsOf(ProcessesCollector.CREATED).longValue(0) >= 1);
    }

    /** Each CPU's times equal what OSHI's getProcessorCpuLoadTicks says (retried while the CPUs move them). */
    @Test
    void cpuTimesEqualOshisProcessorTicks() throws InterruptedException {
        oshi.hardware.CentralProcessor processor = new oshi.SystemInfo().getHardware().getProcessor();
        OshiHostProbe probe = OshiHostProbe.create();
        java.util.List<HostProbe.CpuTimes> ours = null;
        java.util.List<HostProbe.CpuTimes> oshis = null;
        for (int attempt = 0; attempt < 30 && (ours == null || !ours.equals(oshis)); attempt++) {
            Thread.sleep(attempt == 0 ? 0 : 400); // OSHI keeps a reading for a few hundred ms
            ours = probe.cpuTimes();
            long[][] ticks = processor.getProcessorCpuLoadTicks();
            oshis = new java.util.ArrayList<>();
            for (int i = 0; i < ticks.length; i++) {
                long[] t = ticks[i];
                oshis.add(new HostProbe.CpuTimes("cpu" + i, t[0] / 1000.0, t[1] / 1000.0, t[2] / 1000.0,
                        t[3] / 1000.0, t[4] / 1000.0, t[5] / 1000.0, t[6] / 1000.0, t[7] / 1000.0));
            }
        }
        assertEquals(oshis, ours);
    }

    /**
     * Uptime and load averages, read from /proc by the agent, equal what OSHI's getSystemUptime and
     * getSystemLoadAverage (glibc's getloadavg) say just before or just after (retried while they move in between).
     */
    @Test
    void uptimeAndLoadAveragesEqualOshis() {
        oshi.SystemInfo si = new oshi.SystemInfo();
        oshi.software.os.OperatingSystem os = si.getOperatingSystem();
        oshi.hardware.CentralProcessor processor = si.getHardware().getProcessor();
        OshiHostProbe probe = OshiHostProbe.create();
        boolean uptimeSame = false;
        boolean loadSame = false;
        java.util.List<Double> ours = null;
        java.util.List<Double> oshis = null;
        double ourUptime = 0;
        long oshiUptime = 0;
        for (int attempt = 0; attempt < 50 && !(uptimeSame && loadSame); attempt++) {
            oshiUptime = os.getSystemUptime();
            ourUptime = probe.uptimeSeconds();
            uptimeSame |= ourUptime == oshiUptime || ourUptime == os.getSystemUptime();
            double[] before = processor.getSystemLoadAverage(3);
            HostProbe.LoadAverage load = probe.loadAverage();
            double[] after = processor.getSystemLoadAverage(3);
            ours = java.util.List.of(load.oneMinute(), load.fiveMinutes(), load.fifteenMinutes());
            oshis = java.util.Arrays.stream(after).boxed().toList();
            loadSame |= ours.equals(oshis) || ours.equals(java.util.Arrays.stream(before).boxed().toList());
        }
        assertTrue(ourUptime > 0);
        assertTrue(uptimeSame, ourUptime + " s vs OSHI's " + oshiUptime);
        assertTrue(loadSame, ours + " vs OSHI's " + oshis);
    }

    /**
     * The disks' counters, parsed by the agent, equal those of OSHI's /proc/diskstats driver read just before and
     * just after (retried while the host's I/O moves them in between).
     */
    @Test
    void diskCountersEqualOshisDiskStatsDriver() {
        OshiHostProbe probe = OshiHostProbe.create();
        java.util.List<HostProbe.Disk> ours = null;
        java.util.List<HostProbe.Disk> oshis = null;
        for (int attempt = 0; attempt < 50; attempt++) {
            java.util.List<HostProbe.Disk> before = oshiDisks(probe.disks());
            ours = probe.disks();
            oshis = oshiDisks(ours);
            if (ours.equals(oshis) || ours.equals(before)) {
                break;
            }
        }
        assertTrue(!ours.isEmpty(), "this host has disks");
        assertEquals(oshis, ours);
    }

    /** Each disk of {@code like} as OSHI's own driver reads /proc/diskstats now. */
    private static java.util.List<HostProbe.Disk> oshiDisks(java.util.List<HostProbe.Disk> like) {
        var stats = oshi.util.driver.linux.proc.DiskStats.getDiskStats();
        java.util.List<HostProbe.Disk> out = new java.util.ArrayList<>();
        for (HostProbe.Disk d : like) {
            var s = stats.get(d.device());
            if (s == null) {
                continue;
            }
            java.util.function.ToLongFunction<oshi.util.driver.linux.proc.DiskStats.IoStat> f =
                    k -> s.getOrDefault(k, 0L);
            out.add(new HostProbe.Disk(d.device(), f.applyAsLong(oshi.util.driver.linux.proc.DiskStats.IoStat.READS),
                    f.applyAsLong(oshi.util.driver.linux.proc.DiskStats.IoStat.READS_MERGED),
                    f.applyAsLong(oshi.util.driver.linux.proc.DiskStats.IoStat.READS_SECTOR) * 512,
                    f.applyAsLong(oshi.util.driver.linux.proc.DiskStats.IoStat.READS_MS),
                    f.applyAsLong(oshi.util.driver.linux.proc.DiskStats.IoStat.WRITES),
                    f.applyAsLong(oshi.util.driver.linux.proc.DiskStats.IoStat.WRITES_MERGED),
                    f.applyAsLong(oshi.util.driver.linux.proc.DiskStats.IoStat.WRITES_SECTOR) * 512,
                    f.applyAsLong(oshi.util.driver.linux.proc.DiskStats.IoStat.WRITES_MS),
                    f.applyAsLong(oshi.util.driver.linux.proc.DiskStats.IoStat.IO_QUEUE_LENGTH),
                    f.applyAsLong(oshi.util.driver.linux.proc.DiskStats.IoStat.IO_MS),
                    f.applyAsLong(oshi.util.driver.linux.proc.DiskStats.IoStat.IO_MS_WEIGHTED)));
        }
        return out;
    }

    /**
     * After the first read (OSHI's list), local filesystems are sized by the agent's own statvfs call: the figures
     * equal those OSHI's refresh of the same store gives (retried while something writes to them in between).
     */
    @Test
    void filesystemSizesEqualOshisRefresh() {
        oshi.software.os.FileSystem fs = new oshi.SystemInfo().getOperatingSystem().getFileSystem();
        OshiFileStores stores = new OshiFileStores(fs, Path.of("/proc/self/mountinfo"));
        FilesystemFilter filter = FilesystemFilter.defaults();
        assertTrue(!stores.read(filter).isEmpty(), "the first read lists the mounted filesystems");
        java.util.List<HostProbe.FileStore> ours = null;
        java.util.List<HostProbe.FileStore> oshis = null;
        for (int attempt = 0; attempt < 50; attempt++) {
            ours = stores.read(filter);
            oshis = new java.util.ArrayList<>();
            for (oshi.software.os.OSFileStore s : fs.getFileStores()) {
                if (filter.accepts(s.getType(), s.getMount()) && s.updateAttributes()) {
                    oshis.add(new HostProbe.FileStore(s.getVolume(), s.getMount(), s.getType(),
                            java.util.Arrays.asList(s.getOptions().split(",")).contains("ro"), s.getTotalSpace(),
                            s.getFreeSpace(), s.getUsableSpace(), s.getTotalInodes(), s.getFreeInodes()));
                }
            }
            if (ours.equals(oshis)) {
                break;
            }
        }
        assertTrue(ours.stream().anyMatch(f -> f.mountPoint().equals("/") && f.totalBytes() > 0), ours.toString());
        assertEquals(oshis, ours);
    }

    private static Map<String, Long> byFirstAttribute(Points points) {
        Map<String, Long> map = new HashMap<>();
        for (int i = 0; i < points.size(); i++) {
            map.put(points.attribute(i, 0), points.longValue(i));
        }
        return map;
    }

    private static long sum(Points points) {
        long sum = 0;
        for (int i = 0; i < points.size(); i++) {
            sum += points.longValue(i);
        }
        return sum;
    }
}
