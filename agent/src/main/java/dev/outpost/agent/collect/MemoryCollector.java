package dev.outpost.agent.collect;

import io.micrometer.core.instrument.MeterRegistry;
import java.util.Objects;

/**
 * {@code system.memory.usage{state}} and {@code system.memory.utilization{state}}, states used, free, buffered and
 * cached adding up to the total (used and free only where the OS gives no breakdown, free then being the
 * available memory), and {@code system.linux.memory.available}.
 */
public final class MemoryCollector extends MeterCollector {
    private final HostProbe probe;
    private final MeterFamily usage;
    private final MeterFamily utilization;
    private final MeterFamily available;

    public MemoryCollector(HostProbe probe, MeterRegistry registry) {
        super(registry);
        this.probe = Objects.requireNonNull(probe, "probe");
        this.usage = gauge("system.memory.usage", "bytes", "Bytes of memory in use");
        this.utilization = gauge("system.memory.utilization", null, "Fraction of memory in use");
        this.available = gauge("system.linux.memory.available", "bytes",
                "Estimate of memory available for starting new applications without swapping");
    }

    @Override
    public String name() {
        return "memory";
    }

    @Override
    void update() {
        HostProbe.Memory memory = probe.memory();
        long total = memory.total();
        if (total <= 0) {
            throw new IllegalStateException("total memory reported as " + total + " bytes");
        }
        if (memory.free() >= 0 && memory.buffered() >= 0 && memory.cached() >= 0) {
            long used = Math.max(0, total - memory.free() - memory.buffered() - memory.cached());
            set(total, "used", used);
            set(total, "free", memory.free());
            set(total, "buffered", memory.buffered());
            set(total, "cached", memory.cached());
        } else if (memory.available() >= 0) {
            set(total, "used", Math.max(0, total - memory.available()));
            set(total, "free", memory.available());
        } else {
            throw new IllegalStateException("the OS reports neither free nor available memory");
        }
        if (memory.available() >= 0) {
            available.set(memory.available());
        }
    }

    private void set(long total, String state, long bytes) {
        usage.set(bytes, "state", state);
        utilization.set((double) bytes / total, "state", state);
    }
}
