package dev.outpost.agent.otlp;

import com.google.protobuf.InvalidProtocolBufferException;
import dev.outpost.agent.metrics.Histogram;
import dev.outpost.agent.metrics.MetricDef;
import dev.outpost.agent.metrics.Metrics;
import dev.outpost.agent.metrics.Points;
import io.opentelemetry.proto.collector.metrics.v1.ExportMetricsServiceRequest;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.TreeMap;

/**
 * Turns the agent's metrics into one OTLP export request, each exactly as its {@link MetricDef} says: gauges,
 * cumulative sums (monotonic or not) and cumulative histograms with explicit buckets; int values as
 * {@code as_int}, the rest as {@code as_double}; sums and histograms with the start time of what they count from
 * (the host's boot or the agent's start). Metrics are in name order and data points in attribute order, so equal
 * readings give equal bytes. A gauge or sum without points this cycle is left out.
 */
public final class OtlpEncoder {
    /** The instrumentation scope name of everything the agent reports. */
    public static final String SCOPE_NAME = "dev.outpost.agent";
    /** AggregationTemporality.AGGREGATION_TEMPORALITY_CUMULATIVE, as its number (no protobuf class per cycle). */
    private static final int CUMULATIVE = 2;

    private final String scopeVersion;
    /** The size of the last request, to size the next one's buffer: equal readings give equal sizes. */
    private int lastSize = 8 * 1024;
    /** Each histogram's series in wire order, kept between cycles (see {@link PointOrder.SortedSeries}). */
    private final Map<MetricDef, PointOrder.SortedSeries> histogramOrder = new IdentityHashMap<>();

    /** @param scopeVersion the agent's version, reported as the instrumentation scope version */
    public OtlpEncoder(String scopeVersion) {
        if (scopeVersion == null || scopeVersion.isBlank()) {
            throw new IllegalArgumentException("scopeVersion must name the agent version, got \"" + scopeVersion
                    + "\"");
        }
        this.scopeVersion = scopeVersion;
    }

    /**
     * The request carrying every metric as it reads now.
     *
     * @param resource resource attributes (host.name, service.name, ...)
     * @param timeUnixNano the time of this reading
     * @param bootUnixNano when the host booted: the start of OS counters; 0 when unknown (then the agent's start)
     * @param agentStartUnixNano when the agent started: the start of its own counters and histograms. A start
     *     after {@code timeUnixNano} (the wall clock was set back) is taken to be {@code timeUnixNano}, as OTLP
     *     requires start &lt;= time
     */
    public ExportMetricsServiceRequest encode(Metrics metrics, Map<String, String> resource, long timeUnixNano,
            long bootUnixNano, long agentStartUnixNano) {
        byte[] bytes = encodeBytes(metrics, resource, timeUnixNano, bootUnixNano, agentStartUnixNano);
        try {
            return ExportMetricsServiceRequest.parseFrom(bytes);
        } catch (InvalidProtocolBufferException e) {
            throw new IllegalStateException("the encoder wrote a request protobuf cannot read", e);
        }
    }

    /**
     * The same request as {@link #encode}, serialized: written field by field into one array, the bytes
     * protobuf-java's classes would write for it, without building a message object per metric, point and
     * attribute each cycle (what the agent sends; {@link #encode} reads them back).
     */
    public byte[] encodeBytes(Metrics metrics, Map<String, String> resource, long timeUnixNano,
            long bootUnixNano, long agentStartUnixNano) {
        Objects.requireNonNull(metrics, "metrics");
        Objects.requireNonNull(resource, "resource");
        if (timeUnixNano <= 0 || agentStartUnixNano <= 0 || bootUnixNano < 0) {
            throw new IllegalArgumentException("timeUnixNano " + timeUnixNano + ", bootUnixNano " + bootUnixNano
                    + " and agentStartUnixNano " + agentStartUnixNano + " must be nanoseconds since the epoch");
        }
        long agentStart = Math.min(agentStartUnixNano, timeUnixNano);
        long boot = bootUnixNano > 0 ? Math.min(bootUnixNano, timeUnixNano) : agentStart;
        ProtoOut out = new ProtoOut(lastSize + lastSize / 8 + 256);
        int resourceMetrics = out.begin(1); // ExportMetricsServiceRequest.resource_metrics
        int res = out.begin(1); // ResourceMetrics.resource
        for (Map.Entry<String, String> attribute : new TreeMap<>(resource).entrySet()) {
            attribute(out, 1, attribute.getKey(), attribute.getValue()); // Resource.attributes
        }
        out.end(res);
        int scopeMetrics = out.begin(2); // ResourceMetrics.scope_metrics
        int scope = out.begin(1); // ScopeMetrics.scope: InstrumentationScope name, version
        out.string(1, SCOPE_NAME);
        out.string(2, scopeVersion);
        out.end(scope);
        for (Metrics.Registered r : metrics.registered()) {
            MetricDef def = r.def();
            long start = switch (def.since()) {
                case BOOT -> boot;
                case AGENT_START -> agentStart;
                case NONE -> 0;
            };
            if (def.instrument() == MetricDef.Instrument.HISTOGRAM) {
                histogram(out, def, histogramOrder.computeIfAbsent(def, d -> new PointOrder.SortedSeries())
                        .of(r.histograms()), timeUnixNano, start);
            } else {
                numbers(out, def, r.points(), timeUnixNano, start);
            }
        }
        out.end(scopeMetrics);
        out.end(resourceMetrics);
        lastSize = out.size();
        return out.toByteArray();
    }

    /** ScopeMetrics.metrics: a Metric with its name, description and unit (fields 1-3). */
    private static int metric(ProtoOut out, MetricDef def) {
        int metric = out.begin(2);
        out.string(1, def.name());
        out.string(2, def.description());
        out.string(3, def.unit());
        return metric;
    }

    private static void numbers(ProtoOut out, MetricDef def, Points points, long time, long start) {
        if (points == null || points.size() == 0) {
            return;
        }
        boolean gauge = def.instrument() == MetricDef.Instrument.GAUGE;
        boolean ints = def.valueType() == MetricDef.ValueType.INT;
        int metric = metric(out, def);
        int data = out.begin(gauge ? 5 : 7); // Metric.gauge or Metric.sum
        List<String> keys = def.attributes();
        for (int p : PointOrder.sorted(points)) {
            int point = out.begin(1); // data_points: NumberDataPoint
            out.fixed64(2, start); // start_time_unix_nano
            out.fixed64(3, time); // time_unix_nano
            if (ints) {
                out.fixed64Always(6, points.longValue(p)); // as_int (sfixed64)
            } else {
                out.doubleAlways(4, points.doubleValue(p)); // as_double
            }
            for (int k = 0; k < keys.size(); k++) {
                attribute(out, 7, keys.get(k), points.attribute(p, k)); // attributes
            }
            out.end(point);
        }
        if (!gauge) {
            out.int32(2, CUMULATIVE); // Sum.aggregation_temporality
            out.bool(3, def.instrument() == MetricDef.Instrument.COUNTER); // Sum.is_monotonic
        }
        out.end(data);
        out.end(metric);
    }

    /** {@code series} in wire order (see {@link PointOrder}). */
    private static void histogram(ProtoOut out, MetricDef def, List<Histogram> series, long time, long start) {
        if (series.isEmpty()) {
            return;
        }
        int metric = metric(out, def);
        int data = out.begin(9); // Metric.histogram
        List<String> keys = def.attributes();
        for (Histogram h : series) {
            Histogram.Snapshot s = h.snapshot();
            int point = out.begin(1); // data_points: HistogramDataPoint
            out.fixed64(2, start); // start_time_unix_nano
            out.fixed64(3, time); // time_unix_nano
            out.fixed64(4, s.count()); // count
            out.doubleAlways(5, s.sum()); // sum (optional: always set)
            out.packedFixed64(6, s.bucketCounts()); // bucket_counts
            out.packedDouble(7, s.bounds()); // explicit_bounds
            for (int k = 0; k < keys.size(); k++) {
                attribute(out, 9, keys.get(k), h.attributeValues().get(k)); // attributes
            }
            if (s.count() > 0) {
                out.doubleAlways(11, s.min()); // min
                out.doubleAlways(12, s.max()); // max
            }
            out.end(point);
        }
        out.int32(2, CUMULATIVE); // Histogram.aggregation_temporality
        out.end(data);
        out.end(metric);
    }

    /** A KeyValue in {@code field}: its key, and its value as an AnyValue string_value (a oneof: always written). */
    private static void attribute(ProtoOut out, int field, String key, String value) {
        int kv = out.begin(field);
        out.string(1, key);
        int any = out.begin(2);
        out.stringAlways(1, value);
        out.end(any);
        out.end(kv);
    }
}
