package dev.outpost.agent.metrics;

import java.util.Arrays;
import java.util.Objects;

/**
 * The data points of one gauge or sum for the current cycle: a collector clears them and adds what it reads, the
 * encoder reads them. Storage is reused from cycle to cycle (flat arrays that only grow), so a steady host
 * allocates nothing here. Values are typed as the definition says: {@link #add(long, String...)} for int metrics,
 * {@link #add(double, String...)} for double ones; attribute values come in the definition's key order.
 * Not thread-safe: written and encoded on the collection thread.
 */
public final class Points {
    private final MetricDef def;
    private final int width;
    private String[] attributes;
    private long[] longs;
    private double[] doubles;
    private int size;

    Points(MetricDef def) {
        this.def = Objects.requireNonNull(def, "def");
        if (def.instrument() == MetricDef.Instrument.HISTOGRAM) {
            throw new IllegalArgumentException(def.name() + " is a histogram; record it in a Histogram");
        }
        this.width = def.attributes().size();
        this.attributes = new String[Math.max(1, width) * 8];
        this.longs = new long[8];
        this.doubles = new double[8];
    }

    public MetricDef def() {
        return def;
    }

    /** Adds an int data point. */
    public void add(long value, String... attributeValues) {
        if (def.valueType() != MetricDef.ValueType.INT) {
            throw new IllegalArgumentException(def.name() + " holds doubles, not the int " + value);
        }
        int i = slot(attributeValues);
        longs[i] = value;
    }

    /** Adds a double data point; NaN and infinities are refused (a source that cannot say adds nothing). */
    public void add(double value, String... attributeValues) {
        if (def.valueType() != MetricDef.ValueType.DOUBLE) {
            throw new IllegalArgumentException(def.name() + " holds ints, not the double " + value);
        }
        if (!Double.isFinite(value)) {
            throw new IllegalArgumentException(def.name() + ": " + value + " is not a number to send");
        }
        int i = slot(attributeValues);
        doubles[i] = value;
    }

    private int slot(String[] values) {
        if (values.length != width) {
            throw new IllegalArgumentException(def.name() + " takes attributes " + def.attributes() + ", got "
                    + Arrays.toString(values));
        }
        if (size == longs.length) {
            longs = Arrays.copyOf(longs, size * 2);
            doubles = Arrays.copyOf(doubles, size * 2);
            attributes = Arrays.copyOf(attributes, Math.max(1, width) * size * 2);
        }
        for (int k = 0; k < width; k++) {
            if (values[k] == null) {
                throw new IllegalArgumentException(def.name() + ": attribute " + def.attributes().get(k) + " is null");
            }
            attributes[size * width + k] = values[k];
        }
        return size++;
    }

    /** Forgets this cycle's points, keeping the storage. */
    public void clear() {
        Arrays.fill(attributes, 0, size * width, null);
        size = 0;
    }

    public int size() {
        return size;
    }

    /** The value of attribute {@code key} (an index into the definition's keys) of point {@code point}. */
    public String attribute(int point, int key) {
        return attributes[point * width + key];
    }

    public long longValue(int point) {
        return longs[point];
    }

    public double doubleValue(int point) {
        return doubles[point];
    }
}
