package dev.outpost.agent.metrics;

import java.util.List;
import java.util.Objects;

/**
 * One cumulative histogram series with explicit bucket bounds: every value recorded since the agent started, so a
 * Prometheus store can render the classic {@code _bucket}/{@code _sum}/{@code _count} series from it. Bucket
 * {@code i} counts values {@code <= bounds[i]} and above the bound before it (the OTLP rule); the last one counts
 * values above the highest bound. Thread-safe: the push thread records while the collection thread encodes.
 */
public final class Histogram {
    private final MetricDef def;
    private final List<String> attributeValues;
    private final double[] bounds;
    private final long[] counts;
    private long count;
    private double sum;
    private double min = Double.POSITIVE_INFINITY;
    private double max = Double.NEGATIVE_INFINITY;

    Histogram(MetricDef def, List<String> attributeValues) {
        this.def = Objects.requireNonNull(def, "def");
        if (def.instrument() != MetricDef.Instrument.HISTOGRAM) {
            throw new IllegalArgumentException(def.name() + " is a " + def.instrument() + ", not a histogram");
        }
        if (attributeValues.size() != def.attributes().size() || attributeValues.contains(null)) {
            throw new IllegalArgumentException(def.name() + " takes attributes " + def.attributes() + ", got "
                    + attributeValues);
        }
        this.attributeValues = List.copyOf(attributeValues);
        List<Double> b = def.bounds();
        this.bounds = new double[b.size()];
        for (int i = 0; i < bounds.length; i++) {
            bounds[i] = b.get(i);
        }
        this.counts = new long[bounds.length + 1];
    }

    public MetricDef def() {
        return def;
    }

    /** Attribute values in the definition's key order. */
    public List<String> attributeValues() {
        return attributeValues;
    }

    /** Records one measurement; negative, NaN and infinite values are refused (durations are never those). */
    public synchronized void record(double value) {
        if (!Double.isFinite(value) || value < 0) {
            throw new IllegalArgumentException(def.name() + ": cannot record " + value);
        }
        int bucket = 0;
        while (bucket < bounds.length && value > bounds[bucket]) {
            bucket++;
        }
        counts[bucket]++;
        count++;
        sum += value;
        min = Math.min(min, value);
        max = Math.max(max, value);
    }

    /** Everything recorded so far, consistent at one instant. */
    public synchronized Snapshot snapshot() {
        return new Snapshot(count, sum, min, max, counts.clone(), bounds.clone());
    }

    /**
     * A reading of the histogram.
     *
     * @param min smallest value recorded, meaningless while {@code count} is 0
     * @param max largest value recorded, meaningless while {@code count} is 0
     * @param bucketCounts one more than {@code bounds}
     */
    public record Snapshot(long count, double sum, double min, double max, long[] bucketCounts, double[] bounds) {
    }
}
