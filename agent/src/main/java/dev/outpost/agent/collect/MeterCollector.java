package dev.outpost.agent.collect;

import io.micrometer.core.instrument.MeterRegistry;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * Base of the host collectors: each cycle {@link #update()} sets the rows it sees, then rows not seen are removed.
 * If the update throws, all of the collector's meters are removed, so a failing source reports nothing instead of
 * stale values.
 */
abstract class MeterCollector implements Collector {
    private final MeterRegistry registry;
    private final List<MeterFamily> families = new ArrayList<>();

    MeterCollector(MeterRegistry registry) {
        this.registry = Objects.requireNonNull(registry, "registry");
    }

    /** Reads the source and sets every row that exists now. */
    abstract void update();

    @Override
    public final void collect() {
        try {
            update();
            families.forEach(MeterFamily::sweep);
        } catch (RuntimeException | LinkageError e) {
            families.forEach(MeterFamily::clear);
            throw e;
        }
    }

    final MeterFamily counter(String name, String unit, String description) {
        return add(MeterFamily.counter(registry, name, unit, description));
    }

    final MeterFamily gauge(String name, String unit, String description) {
        return add(MeterFamily.gauge(registry, name, unit, description));
    }

    private MeterFamily add(MeterFamily family) {
        families.add(family);
        return family;
    }
}
