package dev.outpost.gateway.sink.file;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.StreamWriteFeature;
import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.io.SerializedString;
import dev.outpost.gateway.ingest.StampedBatch;
import dev.outpost.gateway.sink.AttributeText;
import dev.outpost.wire.WireNames;
import io.opentelemetry.proto.common.v1.KeyValue;
import io.opentelemetry.proto.metrics.v1.ExponentialHistogramDataPoint;
import io.opentelemetry.proto.metrics.v1.HistogramDataPoint;
import io.opentelemetry.proto.metrics.v1.Metric;
import io.opentelemetry.proto.metrics.v1.NumberDataPoint;
import io.opentelemetry.proto.metrics.v1.ResourceMetrics;
import io.opentelemetry.proto.metrics.v1.ScopeMetrics;
import io.opentelemetry.proto.metrics.v1.SummaryDataPoint;
import java.io.IOException;
import java.io.OutputStream;
import java.time.Instant;
import java.util.List;
import java.util.Set;

/**
 * Renders batches as the file sink's NDJSON (one writer per thread: it keeps a buffer and a cache): per resource of a batch one resource line, then one line per metric
 * with all its data points. Every line names its time, org, agent, host and batch, so {@code zgrep} finds any of
 * them; the resource's other attributes (labels, host.id, os.type, ...) are written once per batch, not per point.
 * Non-finite numbers are {@code null}. The format is documented in the README ("File sink format").
 */
final class NdjsonWriter {
    /** Resource attributes with a field of their own on every line, not repeated in "resource". */
    private static final Set<String> OWN_FIELD = Set.of("host.name", WireNames.ATTR_ORG, WireNames.ATTR_AGENT);
    /**
     * The host on metric lines: at most a DNS name's 253 characters, then "…". The resource line has it in full. One
     * host.name of 4 KiB over thousands of small metrics would otherwise be written once per metric.
     */
    static final int MAX_HOST_CHARS = 253;
    /**
     * Doubles are written with Schubfach (shortest text that reads back as the same double), not the JDK's
     * Double.toString, whose slow path took over a tenth of the ingest CPU at fleet load (bench/fleet.sh).
     */
    private final JsonFactory json = JsonFactory.builder().enable(StreamWriteFeature.USE_FAST_DOUBLE_WRITER).build();
    /**
     * The last two times rendered: a metric line's time and its points' start time alternate, and rendering an
     * Instant as text is costly (one entry missed on every point).
     */
    private final long[] cachedNanos = {Long.MIN_VALUE, Long.MIN_VALUE};
    private final String[] cachedText = new String[2];
    private int cacheNext;
    private final java.io.ByteArrayOutputStream buffer = new java.io.ByteArrayOutputStream(1 << 15);

    /**
     * Writes the lines of {@code batches} to {@code out}, each ending in a newline (a lone newline if there are
     * none). A batch's lines rendered beforehand by {@link #render} are copied as they are: the same bytes.
     */
    void write(List<StampedBatch> batches, OutputStream out) throws IOException {
        boolean any = false;
        for (StampedBatch b : batches) {
            byte[] lines = b.prepared() instanceof byte[] p ? p : render(b);
            out.write(lines);
            any |= lines.length > 0;
        }
        if (!any) {
            out.write('\n');
        }
    }

    /** The lines of one batch, each ending in a newline; none for a batch without resources. */
    byte[] render(StampedBatch b) throws IOException {
        buffer.reset();
        try (JsonGenerator g = json.createGenerator(buffer)) {
            g.setRootValueSeparator(new SerializedString("\n"));
            write(b, g);
        }
        if (buffer.size() > 0) {
            buffer.write('\n');
        }
        return buffer.toByteArray();
    }

    private void write(StampedBatch b, JsonGenerator g) throws IOException {
        for (ResourceMetrics rm : b.request().getResourceMetricsList()) {
            List<KeyValue> resource = rm.getResource().getAttributesList();
            String host = attribute(resource, "host.name");
            long time = firstTime(rm);
            start(g, b, host, time);
            host = host.length() > MAX_HOST_CHARS ? host.substring(0, MAX_HOST_CHARS) + "…" : host;
            g.writeObjectFieldStart("resource");
            for (KeyValue kv : resource) {
                if (!OWN_FIELD.contains(kv.getKey())) {
                    g.writeStringField(kv.getKey(), AttributeText.of(kv.getValue()));
                }
            }
            g.writeEndObject();
            g.writeEndObject();
            for (ScopeMetrics sm : rm.getScopeMetricsList()) {
                for (Metric m : sm.getMetricsList()) {
                    metric(g, b, host, m);
                }
            }
        }
    }

    private void metric(JsonGenerator g, StampedBatch b, String host, Metric m) throws IOException {
        if (!hasPoints(m)) {
            return; // nothing to store: a line of it would only repeat the line's names
        }
        switch (m.getDataCase()) {
            case GAUGE -> {
                List<NumberDataPoint> ps = m.getGauge().getDataPointsList();
                long time = ps.isEmpty() ? 0 : ps.get(0).getTimeUnixNano();
                head(g, b, host, time, m, "gauge");
                g.writeArrayFieldStart("points");
                for (NumberDataPoint p : ps) {
                    number(g, p, time);
                }
                end(g);
            }
            case SUM -> {
                List<NumberDataPoint> ps = m.getSum().getDataPointsList();
                long time = ps.isEmpty() ? 0 : ps.get(0).getTimeUnixNano();
                head(g, b, host, time, m, "sum");
                g.writeBooleanField("monotonic", m.getSum().getIsMonotonic());
                g.writeStringField("temporality", temporality(m.getSum().getAggregationTemporalityValue()));
                g.writeArrayFieldStart("points");
                for (NumberDataPoint p : ps) {
                    number(g, p, time);
                }
                end(g);
            }
            case HISTOGRAM -> {
                List<HistogramDataPoint> ps = m.getHistogram().getDataPointsList();
                long time = ps.isEmpty() ? 0 : ps.get(0).getTimeUnixNano();
                head(g, b, host, time, m, "histogram");
                g.writeStringField("temporality", temporality(m.getHistogram().getAggregationTemporalityValue()));
                g.writeArrayFieldStart("points");
                for (HistogramDataPoint p : ps) {
                    pointStart(g, p.getAttributesList(), p.getTimeUnixNano(), time, p.getStartTimeUnixNano());
                    g.writeNumberField("count", p.getCount());
                    if (p.hasSum()) {
                        finite(g, "sum", p.getSum());
                    }
                    if (p.hasMin()) {
                        finite(g, "min", p.getMin());
                    }
                    if (p.hasMax()) {
                        finite(g, "max", p.getMax());
                    }
                    g.writeArrayFieldStart("bounds");
                    for (int i = 0; i < p.getExplicitBoundsCount(); i++) {
                        finiteValue(g, p.getExplicitBounds(i));
                    }
                    g.writeEndArray();
                    g.writeArrayFieldStart("counts");
                    for (int i = 0; i < p.getBucketCountsCount(); i++) {
                        g.writeNumber(p.getBucketCounts(i));
                    }
                    g.writeEndArray();
                    g.writeEndObject();
                }
                end(g);
            }
            case EXPONENTIAL_HISTOGRAM -> {
                List<ExponentialHistogramDataPoint> ps = m.getExponentialHistogram().getDataPointsList();
                long time = ps.isEmpty() ? 0 : ps.get(0).getTimeUnixNano();
                head(g, b, host, time, m, "exponential_histogram");
                g.writeArrayFieldStart("points");
                for (ExponentialHistogramDataPoint p : ps) {
                    pointStart(g, p.getAttributesList(), p.getTimeUnixNano(), time, p.getStartTimeUnixNano());
                    g.writeNumberField("count", p.getCount());
                    if (p.hasSum()) {
                        finite(g, "sum", p.getSum());
                    }
                    g.writeNumberField("scale", p.getScale());
                    g.writeNumberField("zero_count", p.getZeroCount());
                    buckets(g, "positive", p.getPositive());
                    buckets(g, "negative", p.getNegative());
                    g.writeEndObject();
                }
                end(g);
            }
            case SUMMARY -> {
                List<SummaryDataPoint> ps = m.getSummary().getDataPointsList();
                long time = ps.isEmpty() ? 0 : ps.get(0).getTimeUnixNano();
                head(g, b, host, time, m, "summary");
                g.writeArrayFieldStart("points");
                for (SummaryDataPoint p : ps) {
                    pointStart(g, p.getAttributesList(), p.getTimeUnixNano(), time, p.getStartTimeUnixNano());
                    g.writeNumberField("count", p.getCount());
                    finite(g, "sum", p.getSum());
                    g.writeArrayFieldStart("quantiles");
                    for (SummaryDataPoint.ValueAtQuantile q : p.getQuantileValuesList()) {
                        g.writeStartObject();
                        finite(g, "q", q.getQuantile());
                        finite(g, "value", q.getValue());
                        g.writeEndObject();
                    }
                    g.writeEndArray();
                    g.writeEndObject();
                }
                end(g);
            }
            case DATA_NOT_SET -> {
                // A metric without data: nothing to store.
            }
        }
    }

    private static void buckets(JsonGenerator g, String name, ExponentialHistogramDataPoint.Buckets b)
            throws IOException {
        g.writeObjectFieldStart(name);
        g.writeNumberField("offset", b.getOffset());
        g.writeArrayFieldStart("counts");
        for (int i = 0; i < b.getBucketCountsCount(); i++) {
            g.writeNumber(b.getBucketCounts(i));
        }
        g.writeEndArray();
        g.writeEndObject();
    }

    private void number(JsonGenerator g, NumberDataPoint p, long lineTime) throws IOException {
        pointStart(g, p.getAttributesList(), p.getTimeUnixNano(), lineTime, p.getStartTimeUnixNano());
        if (p.getValueCase() == NumberDataPoint.ValueCase.AS_INT) {
            g.writeNumberField("value", p.getAsInt());
        } else {
            finite(g, "value", p.getAsDouble());
        }
        g.writeEndObject();
    }

    private void pointStart(JsonGenerator g, List<KeyValue> attributes, long time, long lineTime, long start)
            throws IOException {
        g.writeStartObject();
        g.writeObjectFieldStart("attributes");
        for (KeyValue kv : attributes) {
            g.writeStringField(kv.getKey(), AttributeText.of(kv.getValue()));
        }
        g.writeEndObject();
        if (time != lineTime) {
            g.writeStringField("time", text(time));
        }
        if (start != 0) {
            g.writeStringField("start", text(start));
        }
    }

    private void head(JsonGenerator g, StampedBatch b, String host, long time, Metric m, String kind)
            throws IOException {
        start(g, b, host, time);
        g.writeStringField("metric", m.getName());
        g.writeStringField("kind", kind);
        g.writeStringField("unit", m.getUnit());
        if (!m.getDescription().isEmpty()) {
            g.writeStringField("description", m.getDescription());
        }
    }

    private void start(JsonGenerator g, StampedBatch b, String host, long time) throws IOException {
        g.writeStartObject();
        g.writeStringField("time", text(time));
        g.writeStringField("org", b.identity().org());
        g.writeStringField("agent", b.identity().agentId());
        g.writeStringField("host", host);
        g.writeStringField("batch", b.batchId());
    }

    private static void end(JsonGenerator g) throws IOException {
        g.writeEndArray();
        g.writeEndObject();
    }

    private static void finite(JsonGenerator g, String field, double v) throws IOException {
        g.writeFieldName(field);
        finiteValue(g, v);
    }

    private static void finiteValue(JsonGenerator g, double v) throws IOException {
        if (Double.isFinite(v)) {
            g.writeNumber(v);
        } else {
            g.writeNull();
        }
    }

    private static String temporality(int value) {
        return switch (value) {
            case 1 -> "delta";
            case 2 -> "cumulative";
            default -> "unspecified";
        };
    }

    /** ISO-8601 UTC of Unix nanoseconds; the ingest scan refuses times that do not fit (negative, 0). */
    private String text(long nanos) {
        for (int i = 0; i < 2; i++) {
            if (cachedNanos[i] == nanos) {
                return cachedText[i];
            }
        }
        String text = Instant.ofEpochSecond(Math.floorDiv(nanos, 1_000_000_000L), Math.floorMod(nanos,
                1_000_000_000L)).toString();
        cachedNanos[cacheNext] = nanos;
        cachedText[cacheNext] = text;
        cacheNext ^= 1;
        return text;
    }

    private static long firstTime(ResourceMetrics rm) {
        for (ScopeMetrics sm : rm.getScopeMetricsList()) {
            for (Metric m : sm.getMetricsList()) {
                switch (m.getDataCase()) {
                    case GAUGE -> {
                        if (m.getGauge().getDataPointsCount() > 0) {
                            return m.getGauge().getDataPoints(0).getTimeUnixNano();
                        }
                    }
                    case SUM -> {
                        if (m.getSum().getDataPointsCount() > 0) {
                            return m.getSum().getDataPoints(0).getTimeUnixNano();
                        }
                    }
                    case HISTOGRAM -> {
                        if (m.getHistogram().getDataPointsCount() > 0) {
                            return m.getHistogram().getDataPoints(0).getTimeUnixNano();
                        }
                    }
                    default -> {
                    }
                }
            }
        }
        return 0;
    }

    private static boolean hasPoints(Metric m) {
        return switch (m.getDataCase()) {
            case GAUGE -> m.getGauge().getDataPointsCount() > 0;
            case SUM -> m.getSum().getDataPointsCount() > 0;
            case HISTOGRAM -> m.getHistogram().getDataPointsCount() > 0;
            case EXPONENTIAL_HISTOGRAM -> m.getExponentialHistogram().getDataPointsCount() > 0;
            case SUMMARY -> m.getSummary().getDataPointsCount() > 0;
            case DATA_NOT_SET -> false;
        };
    }

    private static String attribute(List<KeyValue> attrs, String key) {
        for (KeyValue kv : attrs) {
            if (kv.getKey().equals(key)) {
                return AttributeText.of(kv.getValue());
            }
        }
        return "";
    }
}
