package dev.outpost.gateway.sink.prometheus;

import com.google.protobuf.CodedOutputStream;
import dev.outpost.gateway.ingest.StampedBatch;
import dev.outpost.gateway.sink.AttributeText;
import dev.outpost.gateway.sink.Delivery;
import io.opentelemetry.proto.common.v1.KeyValue;
import io.opentelemetry.proto.metrics.v1.AggregationTemporality;
import io.opentelemetry.proto.metrics.v1.HistogramDataPoint;
import io.opentelemetry.proto.metrics.v1.Metric;
import io.opentelemetry.proto.metrics.v1.NumberDataPoint;
import io.opentelemetry.proto.metrics.v1.ResourceMetrics;
import io.opentelemetry.proto.metrics.v1.ScopeMetrics;
import io.opentelemetry.proto.metrics.v1.SummaryDataPoint;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.List;
import java.util.Set;

/**
 * OTLP batches as Prometheus remote write series, as the OpenTelemetry specification and the Collector's
 * translator map them: gauges and non-monotonic sums as gauges, monotonic cumulative sums as counters
 * ({@code _total}), cumulative histograms as classic {@code _bucket}/{@code _sum}/{@code _count} series, summaries
 * as quantiles; {@code job} from {@code service.namespace/service.name}, {@code instance} from
 * {@code service.instance.id}, the rest of the resource in a {@code target_info} series, the instrumentation scope
 * in {@code otel_scope_name}/{@code otel_scope_version}. Every series carries {@code outpost_org} and
 * {@code outpost_agent} from the batch's certificate, which no attribute can replace. Delta temporality and
 * exponential histograms have no remote write 1.0 form: their points are counted as refused.
 */
final class RemoteWriteTranslator {
    static final String ORG_LABEL = "outpost_org";
    static final String AGENT_LABEL = "outpost_agent";
    /** Prometheus' staleness marker, for data points flagged "no recorded value". */
    static final double STALE_NAN = Double.longBitsToDouble(0x7ff0000000000002L);
    private static final int FLAG_NO_RECORDED_VALUE = 1;
    private static final Set<String> IDENTIFYING = Set.of("service.name", "service.namespace",
            "service.instance.id");

    private final PromNames names = new PromNames();
    private final List<String> resourceLabels;
    private final LabelBuffer labels = new LabelBuffer();
    private final ByteArrayOutputStream scratch = new ByteArrayOutputStream(512);
    private String[] shared = new String[16];
    private int sharedSize;
    private int pointRef;

    /** @param resourceLabels resource attributes copied onto every series as labels (e.g. host.name) */
    RemoteWriteTranslator(List<String> resourceLabels) {
        this.resourceLabels = List.copyOf(resourceLabels);
    }

    /**
     * The most bytes of series one batch may become: {@value #EXPANSION} times its decoded size plus 1 MiB, at most
     * {@value #MAX_BATCH_BYTES}. Each data point repeats its labels on every series it makes (a histogram on every
     * bucket), so without it one request of 8 MiB (16 points of 128 attributes of 4 KiB and 512 buckets) would be
     * held as gigabytes of series.
     */
    static long budget(int decodedBytes) {
        return Math.min(MAX_BATCH_BYTES, EXPANSION * (long) decodedBytes + (1 << 20));
    }

    static final int EXPANSION = 16;
    static final long MAX_BATCH_BYTES = 32L << 20;
    private long used;
    private long budget;
    private boolean overBudget;

    /**
     * Appends the series of batch {@code index} to {@code out}; counts what has no remote write form, and the data
     * points beyond the batch's {@link #budget} as refused ({@code too_large}).
     */
    void translate(StampedBatch b, int index, Units out, Delivery refusals) {
        used = 0;
        budget = budget(b.decodedBytes());
        overBudget = false;
        for (ResourceMetrics rm : b.request().getResourceMetricsList()) {
            List<KeyValue> resource = rm.getResource().getAttributesList();
            sharedSize = 0;
            String service = text(resource, "service.name");
            String namespace = text(resource, "service.namespace");
            if (service != null) {
                share("job", namespace == null ? service : namespace + "/" + service);
            }
            String instance = text(resource, "service.instance.id");
            if (instance != null) {
                share("instance", instance);
            }
            int identity = sharedSize;
            for (String key : resourceLabels) {
                String value = text(resource, key);
                if (value != null) {
                    share(names.label(key), value);
                }
            }
            int promoted = sharedSize;
            long newest = 0;
            for (ScopeMetrics sm : rm.getScopeMetricsList()) {
                String scopeName = sm.getScope().getName();
                String scopeVersion = sm.getScope().getVersion();
                for (Metric m : sm.getMetricsList()) {
                    newest = Math.max(newest, metric(b, index, m, identity, promoted, scopeName, scopeVersion, out,
                            refusals));
                }
            }
            if (newest > 0 && (service != null || instance != null)) {
                targetInfo(b, index, resource, identity, newest, out);
                overBudget = false; // a target_info over the budget is left out; it is no data point
            }
        }
    }

    private void share(String name, String value) {
        if (sharedSize + 2 > shared.length) {
            shared = java.util.Arrays.copyOf(shared, shared.length * 2);
        }
        shared[sharedSize++] = name;
        shared[sharedSize++] = value;
    }

    /** Adds the series of one metric; returns its newest timestamp in nanoseconds. */
    private long metric(StampedBatch b, int index, Metric m, int identity, int promoted, String scopeName,
            String scopeVersion, Units out, Delivery refusals) {
        long newest = 0;
        if (PromNames.normalize(m.getName(), "", PromNames.Kind.OTHER).isEmpty()) {
            // No letter or digit in the name: a series without __name__, which the store refuses with the whole
            // request it is in (other agents' samples too, once splitting gives up).
            int points = points(m);
            if (points > 0) {
                refusals.refuse(index, points, "no_metric_name");
            }
            return 0;
        }
        switch (m.getDataCase()) {
            case GAUGE -> {
                String name = names.metric(m.getName(), m.getUnit(), PromNames.Kind.GAUGE);
                for (NumberDataPoint p : m.getGauge().getDataPointsList()) {
                    newest = Math.max(newest, p.getTimeUnixNano());
                    int mark = out.size();
                    number(b, index, name, p, identity, promoted, scopeName, scopeVersion, out);
                    settle(out, mark, index, refusals);
                }
            }
            case SUM -> {
                if (m.getSum().getAggregationTemporality()
                        != AggregationTemporality.AGGREGATION_TEMPORALITY_CUMULATIVE) {
                    refusals.refuse(index, m.getSum().getDataPointsCount(), "delta_temporality");
                    return 0;
                }
                String name = names.metric(m.getName(), m.getUnit(),
                        m.getSum().getIsMonotonic() ? PromNames.Kind.COUNTER : PromNames.Kind.OTHER);
                for (NumberDataPoint p : m.getSum().getDataPointsList()) {
                    newest = Math.max(newest, p.getTimeUnixNano());
                    int mark = out.size();
                    number(b, index, name, p, identity, promoted, scopeName, scopeVersion, out);
                    settle(out, mark, index, refusals);
                }
            }
            case HISTOGRAM -> {
                if (m.getHistogram().getAggregationTemporality()
                        != AggregationTemporality.AGGREGATION_TEMPORALITY_CUMULATIVE) {
                    refusals.refuse(index, m.getHistogram().getDataPointsCount(), "delta_temporality");
                    return 0;
                }
                String base = names.metric(m.getName(), m.getUnit(), PromNames.Kind.OTHER);
                for (HistogramDataPoint p : m.getHistogram().getDataPointsList()) {
                    newest = Math.max(newest, p.getTimeUnixNano());
                    int mark = out.size();
                    histogram(b, index, base, p, identity, promoted, scopeName, scopeVersion, out);
                    settle(out, mark, index, refusals);
                }
            }
            case SUMMARY -> {
                String base = names.metric(m.getName(), m.getUnit(), PromNames.Kind.OTHER);
                for (SummaryDataPoint p : m.getSummary().getDataPointsList()) {
                    newest = Math.max(newest, p.getTimeUnixNano());
                    int mark = out.size();
                    summary(b, index, base, p, identity, promoted, scopeName, scopeVersion, out);
                    settle(out, mark, index, refusals);
                }
            }
            case EXPONENTIAL_HISTOGRAM -> refusals.refuse(index,
                    m.getExponentialHistogram().getDataPointsCount(), "exponential_histogram");
            case DATA_NOT_SET -> {
            }
        }
        return newest;
    }

    /** After a data point: if it went over the budget, its series are taken back and the point refused. */
    private void settle(Units out, int mark, int index, Delivery refusals) {
        if (overBudget) {
            for (int i = mark; i < out.size(); i++) {
                used -= out.series.get(i).length;
            }
            out.truncate(mark);
            overBudget = false;
            refusals.refuse(index, 1, "too_large");
        }
    }

    private static int points(Metric m) {
        return switch (m.getDataCase()) {
            case GAUGE -> m.getGauge().getDataPointsCount();
            case SUM -> m.getSum().getDataPointsCount();
            case HISTOGRAM -> m.getHistogram().getDataPointsCount();
            case EXPONENTIAL_HISTOGRAM -> m.getExponentialHistogram().getDataPointsCount();
            case SUMMARY -> m.getSummary().getDataPointsCount();
            case DATA_NOT_SET -> 0;
        };
    }

    private void number(StampedBatch b, int index, String name, NumberDataPoint p, int identity, int promoted,
            String scopeName, String scopeVersion, Units out) {
        double value = p.getValueCase() == NumberDataPoint.ValueCase.AS_INT ? p.getAsInt() : p.getAsDouble();
        if ((p.getFlags() & FLAG_NO_RECORDED_VALUE) != 0) {
            value = STALE_NAN;
        }
        int ref = pointRef++;
        start(b, p.getAttributesList(), identity, promoted, scopeName, scopeVersion);
        sample(name, null, null, value, p.getTimeUnixNano(), index, ref, out);
    }

    private void histogram(StampedBatch b, int index, String base, HistogramDataPoint p, int identity, int promoted,
            String scopeName, String scopeVersion, Units out) {
        boolean stale = (p.getFlags() & FLAG_NO_RECORDED_VALUE) != 0;
        int ref = pointRef++;
        long time = p.getTimeUnixNano();
        long cumulative = 0;
        int bounds = Math.min(p.getExplicitBoundsCount(), p.getBucketCountsCount());
        for (int i = 0; i < bounds; i++) {
            cumulative += p.getBucketCounts(i);
            start(b, p.getAttributesList(), identity, promoted, scopeName, scopeVersion);
            sample(base + "_bucket", "le", AttributeText.number(p.getExplicitBounds(i)),
                    stale ? STALE_NAN : cumulative, time, index, ref, out);
        }
        start(b, p.getAttributesList(), identity, promoted, scopeName, scopeVersion);
        sample(base + "_bucket", "le", "+Inf", stale ? STALE_NAN : p.getCount(), time, index, ref, out);
        if (p.hasSum()) {
            start(b, p.getAttributesList(), identity, promoted, scopeName, scopeVersion);
            sample(base + "_sum", null, null, stale ? STALE_NAN : p.getSum(), time, index, ref, out);
        }
        start(b, p.getAttributesList(), identity, promoted, scopeName, scopeVersion);
        sample(base + "_count", null, null, stale ? STALE_NAN : p.getCount(), time, index, ref, out);
    }

    private void summary(StampedBatch b, int index, String base, SummaryDataPoint p, int identity, int promoted,
            String scopeName, String scopeVersion, Units out) {
        boolean stale = (p.getFlags() & FLAG_NO_RECORDED_VALUE) != 0;
        int ref = pointRef++;
        long time = p.getTimeUnixNano();
        for (SummaryDataPoint.ValueAtQuantile q : p.getQuantileValuesList()) {
            start(b, p.getAttributesList(), identity, promoted, scopeName, scopeVersion);
            sample(base, "quantile", AttributeText.number(q.getQuantile()), stale ? STALE_NAN : q.getValue(), time,
                    index, ref, out);
        }
        start(b, p.getAttributesList(), identity, promoted, scopeName, scopeVersion);
        sample(base + "_sum", null, null, stale ? STALE_NAN : p.getSum(), time, index, ref, out);
        start(b, p.getAttributesList(), identity, promoted, scopeName, scopeVersion);
        sample(base + "_count", null, null, stale ? STALE_NAN : p.getCount(), time, index, ref, out);
    }

    private void targetInfo(StampedBatch b, int index, List<KeyValue> resource, int identity, long newest,
            Units out) {
        labels.clear();
        for (int i = 0; i < identity; i += 2) {
            labels.set(shared[i], shared[i + 1], LabelBuffer.IDENTITY);
        }
        for (KeyValue kv : resource) {
            if (!IDENTIFYING.contains(kv.getKey())) {
                labels.set(names.label(kv.getKey()), AttributeText.of(kv.getValue()), LabelBuffer.ATTRIBUTE);
            }
        }
        stamp(b);
        sample("target_info", null, null, 1, newest, index, pointRef++, out);
    }

    /** Labels every sample of a data point shares: promoted resource attributes, its own, job, instance, scope. */
    private void start(StampedBatch b, List<KeyValue> attributes, int identity, int promoted, String scopeName,
            String scopeVersion) {
        labels.clear();
        for (int i = identity; i < promoted; i += 2) {
            labels.set(shared[i], shared[i + 1], LabelBuffer.RESOURCE);
        }
        for (KeyValue kv : attributes) {
            labels.set(names.label(kv.getKey()), AttributeText.of(kv.getValue()), LabelBuffer.ATTRIBUTE);
        }
        for (int i = 0; i < identity; i += 2) {
            labels.set(shared[i], shared[i + 1], LabelBuffer.IDENTITY);
        }
        if (!scopeName.isEmpty()) {
            labels.set("otel_scope_name", scopeName, LabelBuffer.SERIES);
        }
        if (!scopeVersion.isEmpty()) {
            labels.set("otel_scope_version", scopeVersion, LabelBuffer.SERIES);
        }
        stamp(b);
    }

    private void stamp(StampedBatch b) {
        labels.set(ORG_LABEL, b.identity().org(), LabelBuffer.STAMPED);
        labels.set(AGENT_LABEL, b.identity().agentId(), LabelBuffer.STAMPED);
    }

    /** Encodes one TimeSeries of one sample with the labels built so far plus __name__ (and le or quantile). */
    private void sample(String name, String extraName, String extraValue, double value, long timeNanos, int index,
            int ref, Units out) {
        labels.set("__name__", name, LabelBuffer.SERIES);
        if (extraName != null) {
            labels.set(extraName, extraValue, LabelBuffer.SERIES);
        }
        labels.sort();
        scratch.reset();
        try {
            CodedOutputStream o = CodedOutputStream.newInstance(scratch, 256);
            for (int i = 0; i < labels.size(); i++) {
                String n = labels.name(i);
                String v = labels.value(i);
                if (v.isEmpty() || n.isEmpty()) {
                    continue; // an empty label value means no label, in Prometheus' data model; an empty name
                              // (an attribute with an empty key) is invalid there
                }
                o.writeTag(1, com.google.protobuf.WireFormat.WIRETYPE_LENGTH_DELIMITED);
                o.writeUInt32NoTag(CodedOutputStream.computeStringSize(1, n)
                        + CodedOutputStream.computeStringSize(2, v));
                o.writeString(1, n);
                o.writeString(2, v);
            }
            long millis = Math.floorDiv(timeNanos, 1_000_000L);
            o.writeTag(2, com.google.protobuf.WireFormat.WIRETYPE_LENGTH_DELIMITED);
            o.writeUInt32NoTag(CodedOutputStream.computeDoubleSize(1, value)
                    + CodedOutputStream.computeInt64Size(2, millis));
            o.writeDouble(1, value);
            o.writeInt64(2, millis);
            o.flush();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        if (overBudget || used + scratch.size() > budget) {
            overBudget = true; // the rest of this data point is not encoded; settle() takes back what it made
            return;
        }
        used += scratch.size();
        out.add(scratch.toByteArray(), index, ref);
    }

    private static String text(List<KeyValue> attributes, String key) {
        for (KeyValue kv : attributes) {
            if (kv.getKey().equals(key)) {
                return AttributeText.of(kv.getValue());
            }
        }
        return null;
    }
}
