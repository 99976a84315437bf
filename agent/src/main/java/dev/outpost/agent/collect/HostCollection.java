package dev.outpost.agent.collect;

import dev.outpost.agent.metrics.AgentMeters;
import dev.outpost.agent.metrics.Histogram;
import dev.outpost.agent.metrics.Metrics;
import dev.outpost.agent.metrics.Points;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Objects;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Every host collector, run one after the other once per interval. Each run is timed into
 * {@code outpost.agent.collector.duration{collector}} and its outcome set in
 * {@code outpost.agent.collector.success{collector}}; a failing collector never stops the others and is logged once
 * when it starts failing and once when it recovers, not every cycle. Call {@link #collectOnce()} from one thread at
 * a time (the scheduler), and encode the metrics after it returns.
 */
public final class HostCollection {
    private static final Logger LOG = LoggerFactory.getLogger(HostCollection.class);

    private final Clock clock;
    private final List<Run> runs;
    private final Histogram total;
    private final Points success;
    private final long bootTimeSeconds;

    /** The collectors of the OpenTelemetry hostmetrics scrapers cpu, load, memory, paging, disk, ... and system. */
    public HostCollection(HostProbe probe, Metrics metrics, FilesystemFilter filter, Clock clock) {
        this(List.of(new CpuCollector(probe, metrics), new LoadAverageCollector(probe, metrics),
                new MemoryCollector(probe, metrics), new PagingCollector(probe, metrics),
                new DiskCollector(probe, metrics), new FilesystemCollector(probe, metrics, filter),
                new NetworkCollector(probe, metrics), new ProcessesCollector(probe, metrics),
                new SystemCollector(probe, metrics)), metrics, clock, probe.bootTimeSeconds());
    }

    /**
     * With an explicit set of collectors (names must be unique).
     *
     * @param bootTimeSeconds when the host booted (the start of its cumulative counters); 0 when unknown
     */
    public HostCollection(List<Collector> collectors, Metrics metrics, Clock clock, long bootTimeSeconds) {
        Objects.requireNonNull(metrics, "metrics");
        this.clock = Objects.requireNonNull(clock, "clock");
        List<String> names = new ArrayList<>(collectors.size());
        for (Collector c : collectors) {
            names.add(c.name());
        }
        if (new HashSet<>(names).size() != names.size()) {
            throw new IllegalArgumentException("collector names must be unique, got " + names);
        }
        List<Run> all = new ArrayList<>(collectors.size()); // registered only once the names are known to be unique
        for (Collector c : collectors) {
            all.add(new Run(c, metrics.histogram(AgentMeters.COLLECTOR_DURATION, c.name())));
        }
        this.runs = List.copyOf(all);
        this.total = metrics.histogram(AgentMeters.COLLECTION_DURATION);
        this.success = metrics.points(AgentMeters.COLLECTOR_SUCCESS);
        this.bootTimeSeconds = Math.max(0, bootTimeSeconds);
    }

    /** When the host booted, in seconds since the epoch; 0 when the OS did not say. */
    public long bootTimeSeconds() {
        return bootTimeSeconds;
    }

    /** Applies a new filesystem filter from the next cycle on (configuration reload). */
    public void setFilesystemFilter(FilesystemFilter filter) {
        for (Run run : runs) {
            if (run.collector instanceof FilesystemCollector fs) {
                fs.filter(filter);
            }
        }
    }

    /** Runs every collector once. Never throws (short of the JVM running out of memory). */
    public void collectOnce() {
        Instant start = clock.instant();
        success.clear();
        for (Run run : runs) {
            run.execute();
        }
        total.record(secondsSince(start));
    }

    private double secondsSince(Instant start) {
        Duration elapsed = Duration.between(start, clock.instant());
        return elapsed.isNegative() ? 0 : elapsed.toNanos() / 1e9;
    }

    /** One collector, its duration histogram and whether it is failing now. */
    private final class Run {
        private final Collector collector;
        private final Histogram duration;
        private boolean failing;

        Run(Collector collector, Histogram duration) {
            this.collector = Objects.requireNonNull(collector, "collector");
            this.duration = duration;
        }

        void execute() {
            Instant start = clock.instant();
            boolean ok = true;
            try {
                collector.collect();
            } catch (NoDataException e) {
                LOG.debug("collector {} has no data: {}", collector.name(), e.getMessage());
            } catch (RuntimeException | LinkageError e) {
                ok = false;
                if (!failing) {
                    LOG.warn("collector {} failed, its metrics are left out until it recovers: {}",
                            collector.name(), e.toString(), e);
                }
            }
            if (ok && failing) {
                LOG.info("collector {} recovered", collector.name());
            }
            failing = !ok;
            success.add(ok ? 1 : 0, collector.name());
            duration.record(secondsSince(start));
        }
    }
}
