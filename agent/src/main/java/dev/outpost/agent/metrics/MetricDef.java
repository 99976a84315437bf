package dev.outpost.agent.metrics;

import java.util.HashSet;
import java.util.List;
import java.util.Objects;
import java.util.regex.Pattern;

/**
 * What one metric is on the wire, fixed for the agent's lifetime: its OpenTelemetry name, instrument, value type,
 * UCUM unit, description, the attribute keys every data point carries (in this order), what its cumulative values
 * count from, and for a histogram its explicit bucket bounds. The agent's output is held against these (and these
 * against the OpenTelemetry Collector's definitions) by the parity test.
 *
 * @param since what a cumulative sum or histogram counts from; {@link Since#NONE} for gauges
 * @param bounds a histogram's explicit bucket upper bounds, ascending; empty for other instruments
 */
public record MetricDef(String name, Instrument instrument, ValueType valueType, String unit, String description,
        Since since, List<String> attributes, List<Double> bounds) {
    private static final Pattern NAME = Pattern.compile("[a-z][a-z0-9_]*(\\.[a-z0-9_]+)+");

    /** The OTLP shape of the data: a gauge, a cumulative sum (monotonic or not) or a cumulative histogram. */
    public enum Instrument {
        GAUGE, COUNTER, UP_DOWN_COUNTER, HISTOGRAM
    }

    /** Whether data points carry {@code as_int} or {@code as_double}. */
    public enum ValueType {
        INT, DOUBLE
    }

    /** The start time of cumulative data: the host's boot (OS counters) or the agent's start (its own). */
    public enum Since {
        NONE, BOOT, AGENT_START
    }

    public MetricDef {
        Objects.requireNonNull(instrument, "instrument");
        Objects.requireNonNull(valueType, "valueType");
        Objects.requireNonNull(since, "since");
        if (name == null || !NAME.matcher(name).matches()) {
            throw new IllegalArgumentException("metric name \"" + name + "\" is not a dotted lower-case name");
        }
        if (unit == null || unit.isBlank() || description == null || description.isBlank()) {
            throw new IllegalArgumentException(name + ": unit \"" + unit + "\" and description \"" + description
                    + "\" must not be blank");
        }
        if ((instrument == Instrument.GAUGE) != (since == Since.NONE)) {
            throw new IllegalArgumentException(name + ": a " + instrument + " cannot count since " + since);
        }
        if ((instrument == Instrument.HISTOGRAM) != !bounds.isEmpty()
                || instrument == Instrument.HISTOGRAM && valueType != ValueType.DOUBLE) {
            throw new IllegalArgumentException(name + ": exactly histograms have bucket bounds and a double sum");
        }
        for (int i = 1; i < bounds.size(); i++) {
            if (!(bounds.get(i) > bounds.get(i - 1))) {
                throw new IllegalArgumentException(name + ": bucket bounds " + bounds + " must ascend strictly");
            }
        }
        if (new HashSet<>(attributes).size() != attributes.size()) {
            throw new IllegalArgumentException(name + ": attribute keys " + attributes + " repeat");
        }
        attributes = List.copyOf(attributes);
        bounds = List.copyOf(bounds);
    }

    /** A value read at collection time (a level, a ratio, a duration until something). */
    public static MetricDef gauge(String name, ValueType type, String unit, String description,
            String... attributes) {
        return new MetricDef(name, Instrument.GAUGE, type, unit, description, Since.NONE, List.of(attributes),
                List.of());
    }

    /** A cumulative monotonic sum: a count of events since {@code since}. */
    public static MetricDef counter(String name, ValueType type, String unit, Since since, String description,
            String... attributes) {
        return new MetricDef(name, Instrument.COUNTER, type, unit, description, since, List.of(attributes),
                List.of());
    }

    /** A cumulative non-monotonic sum: an amount that adds up across attributes (bytes in use, processes). */
    public static MetricDef upDownCounter(String name, ValueType type, String unit, Since since,
            String description, String... attributes) {
        return new MetricDef(name, Instrument.UP_DOWN_COUNTER, type, unit, description, since, List.of(attributes),
                List.of());
    }

    /** A cumulative histogram of the agent's own measurements, with explicit bucket bounds. */
    public static MetricDef histogram(String name, String unit, String description, List<Double> bounds,
            String... attributes) {
        return new MetricDef(name, Instrument.HISTOGRAM, ValueType.DOUBLE, unit, description, Since.AGENT_START,
                List.of(attributes), bounds);
    }

    /**
     * The record's equality, written out: the generated one is bootstrapped through java.lang.runtime.ObjectMethods
     * (method handles and ~40 generated classes that stay loaded) at the first registration of a metric.
     */
    @Override
    public boolean equals(Object o) {
        return o instanceof MetricDef d && name.equals(d.name) && instrument == d.instrument
                && valueType == d.valueType && unit.equals(d.unit) && description.equals(d.description)
                && since == d.since && attributes.equals(d.attributes) && bounds.equals(d.bounds);
    }

    @Override
    public int hashCode() {
        return Objects.hash(name, instrument, valueType, unit, description, since, attributes, bounds);
    }
}
