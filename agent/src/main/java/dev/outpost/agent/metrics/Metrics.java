package dev.outpost.agent.metrics;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * Every metric the agent sends: collectors and the agent's own parts register their definitions once at start
 * and get the {@link Points} or {@link Histogram}s to write into; the encoder reads them all, in name order. One
 * definition per name, so that two parts can never send the same name in two shapes.
 */
public final class Metrics {
    private final Map<String, Entry> entries = new TreeMap<>();
    /** What {@link #registered()} returns until the next registration; null when that changed since. */
    private List<Registered> registered;

    /**
     * One registered metric as the encoder reads it: its definition, and its points (gauges and sums; null for a
     * histogram) or its histogram series in registration order (empty for other definitions).
     */
    public record Registered(MetricDef def, Points points, List<Histogram> histograms) {
    }

    /** The points of {@code def}, registered on first use; later calls with the same definition return them. */
    public synchronized Points points(MetricDef def) {
        Entry entry = entry(def);
        if (entry.points == null) {
            entry.points = new Points(def);
            registered = null;
        }
        return entry.points;
    }

    /** A new histogram series of {@code def} with these attribute values (in the definition's key order). */
    public synchronized Histogram histogram(MetricDef def, String... attributeValues) {
        Entry entry = entry(def);
        List<String> values = Arrays.asList(attributeValues);
        for (Histogram existing : entry.histograms) {
            if (existing.attributeValues().equals(values)) {
                throw new IllegalArgumentException(def.name() + " already has a series " + values);
            }
        }
        Histogram histogram = new Histogram(def, values);
        entry.histograms.add(histogram);
        registered = null;
        return histogram;
    }

    private Entry entry(MetricDef def) {
        Entry entry = entries.computeIfAbsent(def.name(), name -> new Entry(def));
        if (!entry.def.equals(def)) {
            throw new IllegalArgumentException("metric " + def.name() + " is already defined as " + entry.def
                    + "; cannot define it again as " + def);
        }
        return entry;
    }

    /**
     * Every registered metric, sorted by name: the same list until something new is registered (which happens at
     * start), so that the encoder does not look each definition up by name and copy its series every cycle.
     */
    public synchronized List<Registered> registered() {
        if (registered == null) {
            List<Registered> all = new ArrayList<>(entries.size());
            for (Entry e : entries.values()) {
                all.add(new Registered(e.def, e.points, List.copyOf(e.histograms)));
            }
            registered = List.copyOf(all);
        }
        return registered;
    }

    /** Every registered definition, sorted by name. */
    public synchronized List<MetricDef> definitions() {
        List<MetricDef> defs = new ArrayList<>(entries.size());
        entries.values().forEach(e -> defs.add(e.def));
        return defs;
    }

    /** The points of a gauge or sum definition; null for a histogram or an unknown name. */
    public synchronized Points pointsOf(MetricDef def) {
        Entry entry = entries.get(def.name());
        return entry == null ? null : entry.points;
    }

    /** The series of a histogram definition, in registration order; empty for other definitions. */
    public synchronized List<Histogram> histogramsOf(MetricDef def) {
        Entry entry = entries.get(def.name());
        return entry == null ? List.of() : List.copyOf(entry.histograms);
    }

    private static final class Entry {
        final MetricDef def;
        Points points;
        final List<Histogram> histograms = new ArrayList<>(1);

        Entry(MetricDef def) {
            this.def = def;
        }
    }
}
