package dev.outpost.agent.collect;

import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.Meter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Tags;
import java.util.HashMap;
import java.util.Iterator;
import java.util.Map;
import java.util.Objects;

/**
 * All meters of one metric name, one per attribute set: a row is registered the first time it is set and removed
 * from the registry once a cycle passes without it (an unmounted filesystem, a removed network interface).
 * Counters are {@link FunctionCounter}s reading the last OS counter value; levels are {@link Gauge}s.
 */
final class MeterFamily {
    private final MeterRegistry registry;
    private final String name;
    private final String unit;
    private final String description;
    private final boolean counter;
    private final Map<Tags, Row> rows = new HashMap<>();

    private MeterFamily(MeterRegistry registry, String name, String unit, String description, boolean counter) {
        this.registry = Objects.requireNonNull(registry, "registry");
        this.name = Objects.requireNonNull(name, "name");
        this.unit = unit;
        this.description = Objects.requireNonNull(description, "description");
        this.counter = counter;
    }

    /** A cumulative, monotonic OS counter (e.g. bytes read since boot). */
    static MeterFamily counter(MeterRegistry registry, String name, String unit, String description) {
        return new MeterFamily(registry, name, unit, description, true);
    }

    /** A current level (e.g. bytes in use); {@code unit} null means a dimensionless ratio or count. */
    static MeterFamily gauge(MeterRegistry registry, String name, String unit, String description) {
        return new MeterFamily(registry, name, unit, description, false);
    }

    /** Sets the value of the row with {@code tags} (key, value, key, value, ...) for this cycle. */
    void set(double value, String... tags) {
        Tags key = Tags.of(tags);
        Row row = rows.get(key);
        if (row == null) {
            row = new Row();
            row.meter = counter
                    ? FunctionCounter.builder(name, row, Row::value).tags(key).baseUnit(unit)
                            .description(description).register(registry)
                    : Gauge.builder(name, row, Row::value).tags(key).baseUnit(unit)
                            .description(description).register(registry);
            rows.put(key, row);
        }
        row.value = value;
        row.seen = true;
    }

    /** Removes the rows not set since the last sweep. */
    void sweep() {
        for (Iterator<Row> it = rows.values().iterator(); it.hasNext();) {
            Row row = it.next();
            if (row.seen) {
                row.seen = false;
            } else {
                registry.remove(row.meter);
                it.remove();
            }
        }
    }

    /** Removes every row, so that a failed source reports nothing rather than stale values. */
    void clear() {
        rows.values().forEach(row -> registry.remove(row.meter));
        rows.clear();
    }

    /** One attribute set; the family holds it strongly because meters only keep weak references to it. */
    private static final class Row {
        private volatile double value;
        private boolean seen;
        private Meter meter;

        double value() {
            return value;
        }
    }
}
