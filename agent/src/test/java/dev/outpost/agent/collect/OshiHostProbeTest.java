package dev.outpost.agent.collect;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.outpost.agent.otlp.OtlpEncoder;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.opentelemetry.proto.collector.metrics.v1.ExportMetricsServiceRequest;
import io.opentelemetry.proto.metrics.v1.Metric;
import io.opentelemetry.proto.metrics.v1.NumberDataPoint;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Collectors;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** The real OSHI probe on this Linux host, checked against what /proc says directly. */
class OshiHostProbeTest {
    private static final Set<String> REQUIRED = Set.of("system.cpu.time", "system.cpu.load_average.1m",
            "system.cpu.load_average.5m", "system.cpu.load_average.15m", "system.memory.usage",
            "system.memory.utilization", "system.paging.operations", "system.filesystem.usage",
            "system.filesystem.inodes.usage", "system.disk.io", "system.disk.operations", "system.disk.io_time",
            "system.network.io", "system.network.packets", "system.network.errors", "system.network.dropped",
            "system.process.count", "system.uptime", "outpost.agent.collector.duration",
            "outpost.agent.collector.success", "outpost.agent.collection.duration");

    private static Map<String, Metric> metrics;

    @BeforeAll
    static void collectFromThisHost() {
        assumeTrue(Files.isReadable(Path.of("/proc/stat")), "needs Linux /proc");
        SimpleMeterRegistry registry = TestRegistries.cumulative();
        HostCollection collection =
                new HostCollection(OshiHostProbe.create(), registry, FilesystemFilter.defaults(), Clock.systemUTC());
        collection.collectOnce();
        collection.collectOnce();
        long now = System.currentTimeMillis() * 1_000_000;
        ExportMetricsServiceRequest request = new OtlpEncoder("test").encode(registry, Map.of(), now, now - 1);
        metrics = request.getResourceMetrics(0).getScopeMetrics(0).getMetricsList().stream()
                .collect(Collectors.toMap(Metric::getName, m -> m));
    }

    @Test
    void everyRequiredMetricIsPresentAndEveryCollectorSucceeded() throws IOException {
        TreeSet<String> missing = new TreeSet<>(REQUIRED);
        missing.removeAll(metrics.keySet());
        assertEquals(Set.of(), missing);
        boolean swap = Files.readAllLines(Path.of("/proc/swaps")).size() > 1;
        assertTrue(metrics.containsKey("system.paging.usage"), "paging usage is reported with or without swap");
        assertEquals(swap, points("system.paging.usage").stream().anyMatch(p -> p.getAttributesList().stream()
                .anyMatch(kv -> kv.getKey().equals("device"))), "a device attribute exactly when swap exists");
        for (NumberDataPoint point : points("outpost.agent.collector.success")) {
            assertEquals(1.0, point.getAsDouble(), point.getAttributes(0).getValue().getStringValue());
        }
        assertEquals(9, points("outpost.agent.collector.success").size());
    }

    @Test
    void cpuTimeIsPositiveForEveryCpuListedInProcStat() throws IOException {
        long cpusInProcStat = Files.readAllLines(Path.of("/proc/stat")).stream()
                .filter(line -> line.matches("cpu\\d+ .*")).count();
        Map<String, Double> perCpu = new HashMap<>();
        for (NumberDataPoint point : points("system.cpu.time")) {
            perCpu.merge(attribute(point, "cpu"), point.getAsDouble(), Double::sum);
        }
        assertEquals(cpusInProcStat, perCpu.size());
        perCpu.forEach((cpu, seconds) -> assertTrue(seconds > 0, cpu + " has " + seconds + " s"));
        assertEquals("s", metrics.get("system.cpu.time").getUnit());
        assertTrue(metrics.get("system.cpu.time").getSum().getIsMonotonic());
    }

    @Test
    void uptimeMatchesProcUptime() throws IOException {
        double procUptime = Double.parseDouble(Files.readString(Path.of("/proc/uptime")).split(" ")[0]);
        double uptime = points("system.uptime").get(0).getAsDouble();
        assertTrue(uptime > 0 && Math.abs(uptime - procUptime) < 30, uptime + " vs /proc/uptime " + procUptime);
    }

    @Test
    void memoryStatesAddUpToMemTotal() throws IOException {
        long memTotal = Files.readAllLines(Path.of("/proc/meminfo")).stream()
                .filter(line -> line.startsWith("MemTotal:"))
                .mapToLong(line -> Long.parseLong(line.replaceAll("\\D", "")) * 1024).findFirst().orElseThrow();
        double sum = points("system.memory.usage").stream().mapToDouble(NumberDataPoint::getAsDouble).sum();
        assertEquals(memTotal, sum, 0.5);
        assertEquals(Set.of("used", "free", "buffered", "cached"), points("system.memory.usage").stream()
                .map(p -> attribute(p, "state")).collect(Collectors.toSet()));
    }

    @Test
    void rootFilesystemDisksInterfacesAndProcessesHaveRealFigures() {
        double rootUsed = points("system.filesystem.usage").stream()
                .filter(p -> attribute(p, "mountpoint").equals("/") && attribute(p, "state").equals("used"))
                .mapToDouble(NumberDataPoint::getAsDouble).findFirst().orElseThrow();
        assertTrue(rootUsed > 0, "/ has " + rootUsed + " bytes used");
        assertTrue(sum("system.disk.operations") > 0);
        assertTrue(sum("system.network.packets") > 0);
        assertTrue(sum("system.process.count") >= 1);
    }

    private static List<NumberDataPoint> points(String name) {
        Metric metric = metrics.get(name);
        return metric.hasGauge() ? metric.getGauge().getDataPointsList() : metric.getSum().getDataPointsList();
    }

    private static double sum(String name) {
        return points(name).stream().mapToDouble(NumberDataPoint::getAsDouble).sum();
    }

    private static String attribute(NumberDataPoint point, String key) {
        return point.getAttributesList().stream().filter(kv -> kv.getKey().equals(key)).findFirst().orElseThrow()
                .getValue().getStringValue();
    }
}
