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
