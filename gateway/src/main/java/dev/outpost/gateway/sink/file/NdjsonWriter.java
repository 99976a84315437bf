package dev.outpost.gateway.sink.file;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.StreamWriteFeature;
import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.io.SerializedString;
import com.fasterxml.jackson.core.util.JsonRecyclerPools;
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
import java.nio.charset.StandardCharsets;
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
    /** Field names as JSON bytes, so that no line or point escapes and encodes them again. */
    private static final SerializedString F_TIME = new SerializedString("time");
    private static final SerializedString F_ORG = new SerializedString("org");
    private static final SerializedString F_AGENT = new SerializedString("agent");
    private static final SerializedString F_HOST = new SerializedString("host");
    private static final SerializedString F_BATCH = new SerializedString("batch");
    private static final SerializedString F_RESOURCE = new SerializedString("resource");
    private static final SerializedString F_METRIC = new SerializedString("metric");
    private static final SerializedString F_KIND = new SerializedString("kind");
    private static final SerializedString F_UNIT = new SerializedString("unit");
    private static final SerializedString F_DESCRIPTION = new SerializedString("description");
    private static final SerializedString F_MONOTONIC = new SerializedString("monotonic");
    private static final SerializedString F_TEMPORALITY = new SerializedString("temporality");
    private static final SerializedString F_POINTS = new SerializedString("points");
    private static final SerializedString F_COUNT = new SerializedString("count");
    private static final SerializedString F_SUM = new SerializedString("sum");
    private static final SerializedString F_MIN = new SerializedString("min");
    private static final SerializedString F_MAX = new SerializedString("max");
    private static final SerializedString F_BOUNDS = new SerializedString("bounds");
    private static final SerializedString F_COUNTS = new SerializedString("counts");
    private static final SerializedString F_SCALE = new SerializedString("scale");
    private static final SerializedString F_ZERO_COUNT = new SerializedString("zero_count");
    private static final SerializedString F_POSITIVE = new SerializedString("positive");
    private static final SerializedString F_NEGATIVE = new SerializedString("negative");
    private static final SerializedString F_QUANTILES = new SerializedString("quantiles");
    private static final SerializedString F_Q = new SerializedString("q");
    private static final SerializedString F_VALUE = new SerializedString("value");
    private static final SerializedString F_ATTRIBUTES = new SerializedString("attributes");
    private static final SerializedString F_START = new SerializedString("start");
    private static final SerializedString F_OFFSET = new SerializedString("offset");
    /** The kinds of metric lines, as JSON bytes. */
    private static final SerializedString K_GAUGE = new SerializedString("gauge");
    private static final SerializedString K_SUM = new SerializedString("sum");
    private static final SerializedString K_HISTOGRAM = new SerializedString("histogram");
    private static final SerializedString K_EXPONENTIAL_HISTOGRAM = new SerializedString("exponential_histogram");
    private static final SerializedString K_SUMMARY = new SerializedString("summary");
    /**
     * Doubles are written with Schubfach (shortest text that reads back as the same double), not the JDK's
     * Double.toString, whose slow path took over a tenth of the ingest CPU at fleet load (bench/fleet.sh).
     */
    private final JsonFactory json = JsonFactory.builder().enable(StreamWriteFeature.USE_FAST_DOUBLE_WRITER).build();
    /**
     * For {@link #names}, whose generator is open while a batch's is: with buffers of its own to reuse. Sharing the
     * thread's (Jackson's default pool) made it allocate its two buffers (~16 KB) anew for every resource of a batch.
     */
    private final JsonFactory namesJson = JsonFactory.builder().enable(StreamWriteFeature.USE_FAST_DOUBLE_WRITER)
            .recyclerPool(JsonRecyclerPools.newBoundedPool(1)).build();
    /**
     * The last two times rendered: a metric line's time and its points' start time alternate, and rendering an
     * Instant as text is costly (one entry missed on every point).
     */
    private final long[] cachedNanos = {Long.MIN_VALUE, Long.MIN_VALUE};
    private final SerializedString[] cachedText = new SerializedString[2];
    private int cacheNext;
    private final java.io.ByteArrayOutputStream buffer = new java.io.ByteArrayOutputStream(1 << 15);
    private final java.io.ByteArrayOutputStream namesBuffer = new java.io.ByteArrayOutputStream(256);

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
            SerializedString names = names(b, host);
            start(g, time, names);
            if (host.length() > MAX_HOST_CHARS) {
                // Not between the two halves of a surrogate pair: a lone half is no character (JSON parsers refuse it).
                int cut = Character.isHighSurrogate(host.charAt(MAX_HOST_CHARS - 1)) ? MAX_HOST_CHARS - 1
                        : MAX_HOST_CHARS;
                names = names(b, host.substring(0, cut) + "…");
            }
            g.writeFieldName(F_RESOURCE);
            g.writeStartObject();
            for (KeyValue kv : resource) {
                if (!OWN_FIELD.contains(kv.getKey())) {
                    g.writeStringField(kv.getKey(), AttributeText.of(kv.getValue()));
                }
            }
            g.writeEndObject();
            g.writeEndObject();
            for (ScopeMetrics sm : rm.getScopeMetricsList()) {
                for (Metric m : sm.getMetricsList()) {
                    metric(g, names, m);
                }
            }
        }
    }

    /**
     * The fields every line of a resource has after its time, as the JSON text they are written as (rendered by the
     * same generator, so the same bytes): {@code ,"org":…,"agent":…,"host":…,"batch":…}. Rendered once per
     * resource instead of once per line.
     */
    private SerializedString names(StampedBatch b, String host) throws IOException {
        namesBuffer.reset();
        try (JsonGenerator n = namesJson.createGenerator(namesBuffer)) {
            n.writeStartObject();
            n.writeFieldName(F_ORG);
            n.writeString(b.identity().org());
            n.writeFieldName(F_AGENT);
            n.writeString(b.identity().agentId());
            n.writeFieldName(F_HOST);
            n.writeString(host);
            n.writeFieldName(F_BATCH);
            n.writeString(b.batchId());
            n.writeEndObject();
        }
        byte[] object = namesBuffer.toByteArray();
        // The generator writes valid UTF-8 (it escapes surrogates as \\uXXXX), so this text encodes back to the same.
        return new SerializedString("," + new String(object, 1, object.length - 2, StandardCharsets.UTF_8));
    }

    private void metric(JsonGenerator g, SerializedString names, Metric m) throws IOException {
        if (!hasPoints(m)) {
            return; // nothing to store: a line of it would only repeat the line's names
        }
        switch (m.getDataCase()) {
            case GAUGE -> {
                List<NumberDataPoint> ps = m.getGauge().getDataPointsList();
                long time = ps.isEmpty() ? 0 : ps.get(0).getTimeUnixNano();
                head(g, names, time, m, K_GAUGE);
                g.writeFieldName(F_POINTS);
                g.writeStartArray();
                for (NumberDataPoint p : ps) {
                    number(g, p, time);
                }
                end(g);
            }
            case SUM -> {
                List<NumberDataPoint> ps = m.getSum().getDataPointsList();
                long time = ps.isEmpty() ? 0 : ps.get(0).getTimeUnixNano();
                head(g, names, time, m, K_SUM);
                g.writeFieldName(F_MONOTONIC);
                g.writeBoolean(m.getSum().getIsMonotonic());
                g.writeFieldName(F_TEMPORALITY);
                g.writeString(temporality(m.getSum().getAggregationTemporalityValue()));
                g.writeFieldName(F_POINTS);
                g.writeStartArray();
                for (NumberDataPoint p : ps) {
                    number(g, p, time);
                }
                end(g);
            }
            case HISTOGRAM -> {
                List<HistogramDataPoint> ps = m.getHistogram().getDataPointsList();
                long time = ps.isEmpty() ? 0 : ps.get(0).getTimeUnixNano();
                head(g, names, time, m, K_HISTOGRAM);
                g.writeFieldName(F_TEMPORALITY);
                g.writeString(temporality(m.getHistogram().getAggregationTemporalityValue()));
                g.writeFieldName(F_POINTS);
                g.writeStartArray();
                for (HistogramDataPoint p : ps) {
                    pointStart(g, p.getAttributesList(), p.getTimeUnixNano(), time, p.getStartTimeUnixNano());
                    g.writeFieldName(F_COUNT);
                    g.writeNumber(p.getCount());
                    if (p.hasSum()) {
                        finite(g, F_SUM, p.getSum());
                    }
                    if (p.hasMin()) {
                        finite(g, F_MIN, p.getMin());
                    }
                    if (p.hasMax()) {
                        finite(g, F_MAX, p.getMax());
                    }
                    g.writeFieldName(F_BOUNDS);
                    g.writeStartArray();
                    for (int i = 0; i < p.getExplicitBoundsCount(); i++) {
                        finiteValue(g, p.getExplicitBounds(i));
                    }
                    g.writeEndArray();
                    g.writeFieldName(F_COUNTS);
                    g.writeStartArray();
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
                head(g, names, time, m, K_EXPONENTIAL_HISTOGRAM);
                g.writeFieldName(F_POINTS);
                g.writeStartArray();
                for (ExponentialHistogramDataPoint p : ps) {
                    pointStart(g, p.getAttributesList(), p.getTimeUnixNano(), time, p.getStartTimeUnixNano());
                    g.writeFieldName(F_COUNT);
                    g.writeNumber(p.getCount());
                    if (p.hasSum()) {
                        finite(g, F_SUM, p.getSum());
                    }
                    g.writeFieldName(F_SCALE);
                    g.writeNumber(p.getScale());
                    g.writeFieldName(F_ZERO_COUNT);
                    g.writeNumber(p.getZeroCount());
                    buckets(g, F_POSITIVE, p.getPositive());
                    buckets(g, F_NEGATIVE, p.getNegative());
                    g.writeEndObject();
                }
                end(g);
            }
            case SUMMARY -> {
                List<SummaryDataPoint> ps = m.getSummary().getDataPointsList();
                long time = ps.isEmpty() ? 0 : ps.get(0).getTimeUnixNano();
                head(g, names, time, m, K_SUMMARY);
                g.writeFieldName(F_POINTS);
                g.writeStartArray();
                for (SummaryDataPoint p : ps) {
                    pointStart(g, p.getAttributesList(), p.getTimeUnixNano(), time, p.getStartTimeUnixNano());
                    g.writeFieldName(F_COUNT);
                    g.writeNumber(p.getCount());
                    finite(g, F_SUM, p.getSum());
                    g.writeFieldName(F_QUANTILES);
                    g.writeStartArray();
                    for (SummaryDataPoint.ValueAtQuantile q : p.getQuantileValuesList()) {
                        g.writeStartObject();
                        finite(g, F_Q, q.getQuantile());
                        finite(g, F_VALUE, q.getValue());
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

    private static void buckets(JsonGenerator g, SerializedString name, ExponentialHistogramDataPoint.Buckets b)
            throws IOException {
        g.writeFieldName(name);
        g.writeStartObject();
        g.writeFieldName(F_OFFSET);
        g.writeNumber(b.getOffset());
        g.writeFieldName(F_COUNTS);
        g.writeStartArray();
        for (int i = 0; i < b.getBucketCountsCount(); i++) {
            g.writeNumber(b.getBucketCounts(i));
        }
        g.writeEndArray();
        g.writeEndObject();
    }

    private void number(JsonGenerator g, NumberDataPoint p, long lineTime) throws IOException {
        pointStart(g, p.getAttributesList(), p.getTimeUnixNano(), lineTime, p.getStartTimeUnixNano());
        if (p.getValueCase() == NumberDataPoint.ValueCase.AS_INT) {
            g.writeFieldName(F_VALUE);
            g.writeNumber(p.getAsInt());
        } else {
            finite(g, F_VALUE, p.getAsDouble());
        }
        g.writeEndObject();
    }

    private void pointStart(JsonGenerator g, List<KeyValue> attributes, long time, long lineTime, long start)
            throws IOException {
        g.writeStartObject();
        g.writeFieldName(F_ATTRIBUTES);
        g.writeStartObject();
        for (KeyValue kv : attributes) {
            g.writeStringField(kv.getKey(), AttributeText.of(kv.getValue()));
        }
        g.writeEndObject();
        if (time != lineTime) {
            g.writeFieldName(F_TIME);
            g.writeString(text(time));
        }
        if (start != 0) {
            g.writeFieldName(F_START);
            g.writeString(text(start));
        }
    }

    private void head(JsonGenerator g, SerializedString names, long time, Metric m, SerializedString kind)
            throws IOException {
        start(g, time, names);
        g.writeFieldName(F_METRIC);
        g.writeString(m.getName());
        g.writeFieldName(F_KIND);
        g.writeString(kind);
        g.writeFieldName(F_UNIT);
        g.writeString(m.getUnit());
        if (!m.getDescription().isEmpty()) {
            g.writeFieldName(F_DESCRIPTION);
            g.writeString(m.getDescription());
        }
    }

    /** Opens a line: its time, then the resource's {@link #names} as written already (the generator sees one field). */
    private void start(JsonGenerator g, long time, SerializedString names) throws IOException {
        g.writeStartObject();
        g.writeFieldName(F_TIME);
        g.writeString(text(time));
        g.writeRaw(names);
    }

    private static void end(JsonGenerator g) throws IOException {
        g.writeEndArray();
        g.writeEndObject();
    }

    private static void finite(JsonGenerator g, SerializedString field, double v) throws IOException {
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
    private SerializedString text(long nanos) {
        for (int i = 0; i < 2; i++) {
            if (cachedNanos[i] == nanos) {
                return cachedText[i];
            }
        }
        SerializedString text = new SerializedString(Instant.ofEpochSecond(Math.floorDiv(nanos, 1_000_000_000L),
                Math.floorMod(nanos, 1_000_000_000L)).toString());
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
