package dev.outpost.agent.collect;

import dev.outpost.agent.metrics.MetricDef;
import dev.outpost.agent.metrics.Metrics;
import dev.outpost.agent.metrics.Points;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * Base of the host collectors: each cycle the collector's points are cleared and {@link #update()} adds what the
 * source says now, so an unmounted filesystem or a removed interface simply stops appearing. If the update throws,
 * every point of the collector is cleared: a failing source reports nothing instead of half a reading.
 */
abstract class PointCollector implements Collector {
    private final Metrics metrics;
    private final List<Points> owned = new ArrayList<>();

    PointCollector(Metrics metrics) {
        this.metrics = Objects.requireNonNull(metrics, "metrics");
    }

    /** Reads the source and adds every data point that exists now. */
    abstract void update();

    @Override
    public final void collect() {
        owned.forEach(Points::clear);
        try {
            update();
        } catch (RuntimeException | LinkageError e) {
            owned.forEach(Points::clear);
            throw e;
        }
    }

    /** Registers {@code def} and returns the points this collector writes for it. */
    final Points points(MetricDef def) {
        Points points = metrics.points(def);
        owned.add(points);
        return points;
    }
}
