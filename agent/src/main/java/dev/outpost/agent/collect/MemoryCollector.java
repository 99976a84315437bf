package dev.outpost.agent.collect;

import static dev.outpost.agent.metrics.MetricDef.Since.BOOT;
import static dev.outpost.agent.metrics.MetricDef.ValueType.DOUBLE;
import static dev.outpost.agent.metrics.MetricDef.ValueType.INT;

import dev.outpost.agent.metrics.MetricDef;
import dev.outpost.agent.metrics.Metrics;
import dev.outpost.agent.metrics.Points;
import java.util.Objects;

/**
 * The memory scraper on Linux: {@code system.memory.usage{state}} (default) and, optional in the receiver but
 * sent here, {@code system.memory.utilization{state}} and {@code system.linux.memory.available}. States as the
 * receiver computes them: "cached" is the page cache plus reclaimable slab (as free(1) shows it), "used" the total
 * less free, buffers and that cache, so used, free, buffered and cached add up to the total; "slab_reclaimable"
 * and "slab_unreclaimable" break the slab down again (the first lies within cached, the second within used).
 */
public final class MemoryCollector extends PointCollector {
    public static final MetricDef USAGE = MetricDef.upDownCounter("system.memory.usage", INT, "By", BOOT,
            "Bytes of memory in use.", "state");
    public static final MetricDef UTILIZATION = MetricDef.gauge("system.memory.utilization", DOUBLE, "1",
            "Percentage of memory bytes in use.", "state");
    public static final MetricDef AVAILABLE = MetricDef.upDownCounter("system.linux.memory.available", INT, "By",
            BOOT, "An estimate of how much memory is available for starting new applications, without swapping. "
                    + "This is a more accurate alternative than system.memory.usage with state=free. (Linux only)");

    private final HostProbe probe;
    private final Points usage;
    private final Points utilization;
    private final Points available;

    public MemoryCollector(HostProbe probe, Metrics metrics) {
        super(metrics);
        this.probe = Objects.requireNonNull(probe, "probe");
        this.usage = points(USAGE);
        this.utilization = points(UTILIZATION);
        this.available = points(AVAILABLE);
    }

    @Override
    public String name() {
        return "memory";
    }

    @Override
    void update() {
        HostProbe.Memory m = probe.memory();
        if (m.total() <= 0 || m.free() < 0 || m.buffers() < 0 || m.cached() < 0) {
            throw new IllegalStateException("/proc/meminfo lacks MemTotal, MemFree, Buffers or Cached: " + m);
        }
        long cached = m.cached() + Math.max(0, m.slabReclaimable());
        set(m.total(), "used", Math.max(0, m.total() - m.free() - m.buffers() - cached));
        set(m.total(), "free", m.free());
        set(m.total(), "buffered", m.buffers());
        set(m.total(), "cached", cached);
        if (m.slabReclaimable() >= 0 && m.slabUnreclaimable() >= 0) {
            set(m.total(), "slab_reclaimable", m.slabReclaimable());
            set(m.total(), "slab_unreclaimable", m.slabUnreclaimable());
        }
        if (m.available() >= 0) {
            available.add(m.available());
        }
    }

    private void set(long total, String state, long bytes) {
        usage.add(bytes, state);
        utilization.add((double) bytes / total, state);
    }
}
