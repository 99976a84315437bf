package dev.outpost.agent.collect;

import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.atomic.AtomicReference;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Every host collector, run one after the other once per interval. Each run is timed and its outcome recorded in
 * {@code outpost.agent.collector.duration|success{collector}}; a failing collector never stops the others and is
 * logged once when it starts failing and once when it recovers, not every cycle. Call {@link #collectOnce()} from
 * one thread at a time (the scheduler), and encode the registry after it returns.
 */
public final class HostCollection {
    private static final Logger LOG = LoggerFactory.getLogger(HostCollection.class);

    private final Clock clock;
    private final List<Run> runs;
    private final AtomicReference<Double> totalSeconds = new AtomicReference<>(0.0);

    public HostCollection(HostProbe probe, MeterRegistry registry, FilesystemFilter filter, Clock clock) {
        this(List.of(new CpuCollector(probe, registry), new LoadAverageCollector(probe, registry),
                new MemoryCollector(probe, registry), new PagingCollector(probe, registry),
                new FilesystemCollector(probe, registry, filter), new DiskCollector(probe, registry),
                new NetworkCollector(probe, registry), new ProcessCollector(probe, registry),
                new UptimeCollector(probe, registry)), registry, clock);
    }

    /** With an explicit set of collectors (names must be unique). */
    public HostCollection(List<Collector> collectors, MeterRegistry registry, Clock clock) {
        Objects.requireNonNull(registry, "registry");
        this.clock = Objects.requireNonNull(clock, "clock");
        this.runs = collectors.stream().map(c -> new Run(c, registry)).toList();
        if (runs.stream().map(r -> r.collector.name()).distinct().count() != runs.size()) {
            throw new IllegalArgumentException("collector names must be unique, got "
                    + runs.stream().map(r -> r.collector.name()).toList());
        }
        Gauge.builder("outpost.agent.collection.duration", totalSeconds, AtomicReference::get)
                .baseUnit("seconds").description("Time the last collection of all host metrics took")
                .strongReference(true).register(registry);
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
        for (Run run : runs) {
            run.execute();
        }
        totalSeconds.set(secondsSince(start));
    }

    private double secondsSince(Instant start) {
        Duration elapsed = Duration.between(start, clock.instant());
        return elapsed.isNegative() ? 0 : elapsed.toNanos() / 1e9;
    }

    /** One collector, its self-metrics and its last outcome. */
    private final class Run {
        private final Collector collector;
        private final AtomicReference<Double> seconds = new AtomicReference<>(0.0);
        private final AtomicReference<Double> success = new AtomicReference<>(0.0);
        private boolean failing;

        Run(Collector collector, MeterRegistry registry) {
            this.collector = Objects.requireNonNull(collector, "collector");
            Gauge.builder("outpost.agent.collector.duration", seconds, AtomicReference::get)
                    .tag("collector", collector.name()).baseUnit("seconds")
                    .description("Time the collector's last run took").strongReference(true).register(registry);
            Gauge.builder("outpost.agent.collector.success", success, AtomicReference::get)
                    .tag("collector", collector.name())
                    .description("Whether the collector's last run succeeded (1) or failed (0)")
                    .strongReference(true).register(registry);
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
            success.set(ok ? 1.0 : 0.0);
            seconds.set(secondsSince(start));
        }
    }
}
