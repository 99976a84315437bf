package dev.outpost.agent.collect;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

import dev.outpost.agent.MutableClock;
import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import dev.outpost.agent.metrics.AgentMeters;
import dev.outpost.agent.metrics.Histogram;
import dev.outpost.agent.metrics.Metrics;
import dev.outpost.agent.metrics.Points;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.slf4j.LoggerFactory;

/** One collector failing or having no data never stops the others, and is logged once per change of state. */
class HostCollectionFailureTest {
    private final FlakyProbe probe = new FlakyProbe(new FixtureHostProbe("basic"));
    private final Metrics metrics = new Metrics();
    private final HostCollection collection = new HostCollection(probe, metrics, FilesystemFilter.defaults(),
            MutableClock.stepping(Instant.parse("2026-11-22T05:20:00Z"), Duration.ofMillis(2)));
    private final Logger logger = (Logger) LoggerFactory.getLogger(HostCollection.class);
    private final ListAppender<ILoggingEvent> logs = new ListAppender<>();
    private Level previousLevel;

    @BeforeEach
    void captureLogs() {
        previousLevel = logger.getLevel();
        logger.setLevel(Level.DEBUG);
        logs.start();
        logger.addAppender(logs);
    }

    @AfterEach
    void releaseLogs() {
        logger.detachAppender(logs);
        logger.setLevel(previousLevel);
    }

    @Test
    void failingCollectorDoesNotStopTheOthersAndLeavesNoStaleValues() {
        collection.collectOnce();
        assertEquals(4, metrics.pointsOf(DiskCollector.IO).size());

        probe.disksFail = true;
        collection.collectOnce();

        assertEquals(0, success("disk"));
        for (var def : List.of(DiskCollector.IO, DiskCollector.OPERATIONS, DiskCollector.MERGED,
                DiskCollector.PENDING_OPERATIONS)) {
            assertEquals(0, metrics.pointsOf(def).size(), "a failed collector reports nothing: " + def.name());
        }
        for (String other : List.of("cpu", "load", "memory", "paging", "filesystem", "network", "processes",
                "system")) {
            assertEquals(1, success(other), other);
        }
        assertEquals(16, metrics.pointsOf(CpuCollector.TIME).size());
        Histogram.Snapshot disk = duration("disk");
        assertEquals(2, disk.count());
        assertEquals(0.004, disk.sum(), 1e-12, "2 ms per run on the stepping clock");
        Histogram.Snapshot total = metrics.histogramsOf(AgentMeters.COLLECTION_DURATION).get(0).snapshot();
        assertEquals(2, total.count());
        assertEquals(0.038, total.max(), 1e-12, "9 collectors of 2 ms, and the cycle's own two readings");
    }

    @Test
    void failureIsLoggedAtWarnOnceAndRecoveryOnce() {
        probe.disksFail = true;
        collection.collectOnce();
        collection.collectOnce();
        collection.collectOnce();
        probe.disksFail = false;
        collection.collectOnce();
        collection.collectOnce();

        List<String> lines = logs.list.stream().filter(e -> e.getLevel().isGreaterOrEqual(Level.INFO))
                .map(e -> e.getLevel() + " " + e.getFormattedMessage()).toList();
        assertEquals(List.of(
                "WARN collector disk failed, its metrics are left out until it recovers: "
                        + "java.lang.IllegalStateException: cannot read /proc/diskstats (fixture)",
                "INFO collector disk recovered"), lines);
        assertEquals(1, success("disk"));
        assertFalse(metrics.pointsOf(DiskCollector.IO).size() == 0);
    }

    @Test
    void noDataIsDebugNotAFailure() {
        probe.noLoadAverage = true;
        collection.collectOnce();

        assertEquals(1, success("load"));
        assertEquals(0, metrics.pointsOf(LoadAverageCollector.ONE).size());
        List<String> lines = logs.list.stream().map(e -> e.getLevel() + " " + e.getFormattedMessage()).toList();
        assertEquals(List.of("DEBUG collector load has no data: the OS reports no load average"), lines);
    }

    private long success(String collector) {
        Points success = metrics.pointsOf(AgentMeters.COLLECTOR_SUCCESS);
        for (int i = 0; i < success.size(); i++) {
            if (success.attribute(i, 0).equals(collector)) {
                return success.longValue(i);
            }
        }
        throw new AssertionError("no success point for " + collector);
    }

    private Histogram.Snapshot duration(String collector) {
        return metrics.histogramsOf(AgentMeters.COLLECTOR_DURATION).stream()
                .filter(h -> h.attributeValues().equals(List.of(collector))).findFirst().orElseThrow().snapshot();
    }

    /** The fixture host, with disks that can fail to read and a load average that can be missing. */
    private static final class FlakyProbe implements HostProbe {
        private final HostProbe host;
        boolean disksFail;
        boolean noLoadAverage;

        FlakyProbe(HostProbe host) {
            this.host = host;
        }

        @Override
        public List<Disk> disks() {
            if (disksFail) {
                throw new IllegalStateException("cannot read /proc/diskstats (fixture)");
            }
            return host.disks();
        }

        @Override
        public LoadAverage loadAverage() {
            return noLoadAverage ? new LoadAverage(-1, -1, -1) : host.loadAverage();
        }

        @Override
        public List<CpuTimes> cpuTimes() {
            return host.cpuTimes();
        }

        @Override
        public Memory memory() {
            return host.memory();
        }

        @Override
        public Paging paging() {
            return host.paging();
        }

        @Override
        public List<FileStore> fileStores(FilesystemFilter filter) {
            return host.fileStores(filter);
        }

        @Override
        public List<Nic> networkInterfaces() {
            return host.networkInterfaces();
        }

        @Override
        public Map<String, Long> tcpConnections() {
            return host.tcpConnections();
        }

        @Override
        public Processes processes() {
            return host.processes();
        }

        @Override
        public long bootTimeSeconds() {
            return host.bootTimeSeconds();
        }

        @Override
        public double uptimeSeconds() {
            return host.uptimeSeconds();
        }
    }
}
