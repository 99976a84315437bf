package dev.outpost.agent.collect;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.outpost.agent.MutableClock;
import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.slf4j.LoggerFactory;

/** One collector failing or having no data never stops the others, and is logged once per change of state. */
class HostCollectionFailureTest {
    private final FlakyProbe probe = new FlakyProbe(new FixtureHostProbe("basic"));
    private final SimpleMeterRegistry registry = TestRegistries.cumulative();
    private final HostCollection collection = new HostCollection(probe, registry, FilesystemFilter.defaults(),
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
        assertFalse(registry.find("system.disk.io").meters().isEmpty());

        probe.disksFail = true;
        collection.collectOnce();

        assertEquals(0.0, success("disk"));
        assertTrue(registry.find("system.disk.io").meters().isEmpty(), "a failed collector reports nothing");
        for (String other : List.of("cpu", "load", "memory", "paging", "filesystem", "network", "processes",
                "uptime")) {
            assertEquals(1.0, success(other), other);
        }
        assertEquals(16, registry.find("system.cpu.time").meters().size());
        assertEquals(0.002, registry.get("outpost.agent.collector.duration").tag("collector", "disk").gauge().value());
        assertEquals(0.038, registry.get("outpost.agent.collection.duration").gauge().value(), 1e-12);
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
        assertEquals(1.0, success("disk"));
        assertFalse(registry.find("system.disk.io").meters().isEmpty());
    }

    @Test
    void noDataIsDebugNotAFailure() {
        probe.noLoadAverage = true;
        collection.collectOnce();

        assertEquals(1.0, success("load"));
        assertTrue(registry.find("system.cpu.load_average.1m").meters().isEmpty());
        List<String> lines = logs.list.stream().map(e -> e.getLevel() + " " + e.getFormattedMessage()).toList();
        assertEquals(List.of("DEBUG collector load has no data: the OS reports no load average"), lines);
    }

    private double success(String collector) {
        return registry.get("outpost.agent.collector.success").tag("collector", collector).gauge().value();
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
        public Processes processes() {
            return host.processes();
        }

        @Override
        public double uptimeSeconds() {
            return host.uptimeSeconds();
        }
    }
}
