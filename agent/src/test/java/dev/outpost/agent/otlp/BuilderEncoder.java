package dev.outpost.agent.otlp;

import dev.outpost.agent.metrics.Histogram;
import dev.outpost.agent.metrics.MetricDef;
import dev.outpost.agent.metrics.Metrics;
import dev.outpost.agent.metrics.Points;
import io.opentelemetry.proto.collector.metrics.v1.ExportMetricsServiceRequest;
import io.opentelemetry.proto.common.v1.AnyValue;
import io.opentelemetry.proto.common.v1.InstrumentationScope;
import io.opentelemetry.proto.common.v1.KeyValue;
import io.opentelemetry.proto.metrics.v1.AggregationTemporality;
import io.opentelemetry.proto.metrics.v1.Gauge;
import io.opentelemetry.proto.metrics.v1.HistogramDataPoint;
import io.opentelemetry.proto.metrics.v1.Metric;
import io.opentelemetry.proto.metrics.v1.NumberDataPoint;
import io.opentelemetry.proto.metrics.v1.ResourceMetrics;
import io.opentelemetry.proto.metrics.v1.ScopeMetrics;
import io.opentelemetry.proto.metrics.v1.Sum;
import io.opentelemetry.proto.resource.v1.Resource;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.TreeMap;

/**
 * The agent's encoder as it was before {@link OtlpEncoder#encodeBytes} wrote protobuf directly: every message built
 * with protobuf-java's builders. Kept in the tests as the reference the direct encoder's bytes must equal.
 */
final class BuilderEncoder {
    /** The instrumentation scope name of everything the agent reports. */
    static final String SCOPE_NAME = OtlpEncoder.SCOPE_NAME;
    private static final AggregationTemporality CUMULATIVE = AggregationTemporality.AGGREGATION_TEMPORALITY_CUMULATIVE;

    private final String scopeVersion;

    /** @param scopeVersion the agent's version, reported as the instrumentation scope version */
    BuilderEncoder(String scopeVersion) {
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
        Objects.requireNonNull(metrics, "metrics");
        Objects.requireNonNull(resource, "resource");
        if (timeUnixNano <= 0 || agentStartUnixNano <= 0 || bootUnixNano < 0) {
            throw new IllegalArgumentException("timeUnixNano " + timeUnixNano + ", bootUnixNano " + bootUnixNano
                    + " and agentStartUnixNano " + agentStartUnixNano + " must be nanoseconds since the epoch");
        }
        long agentStart = Math.min(agentStartUnixNano, timeUnixNano);
        long boot = bootUnixNano > 0 ? Math.min(bootUnixNano, timeUnixNano) : agentStart;
        ScopeMetrics.Builder scope = ScopeMetrics.newBuilder()
                .setScope(InstrumentationScope.newBuilder().setName(SCOPE_NAME).setVersion(scopeVersion));
        for (MetricDef def : metrics.definitions()) {
            long start = switch (def.since()) {
                case BOOT -> boot;
                case AGENT_START -> agentStart;
                case NONE -> 0;
            };
            Metric metric = def.instrument() == MetricDef.Instrument.HISTOGRAM
                    ? histogram(def, metrics.histogramsOf(def), timeUnixNano, start)
                    : numbers(def, metrics.pointsOf(def), timeUnixNano, start);
            if (metric != null) {
                scope.addMetrics(metric);
            }
        }
        Resource.Builder res = Resource.newBuilder();
        new TreeMap<>(resource).forEach((key, value) -> res.addAttributes(attribute(key, value)));
        return ExportMetricsServiceRequest.newBuilder()
                .addResourceMetrics(ResourceMetrics.newBuilder().setResource(res).addScopeMetrics(scope))
                .build();
    }

    private static Metric.Builder metric(MetricDef def) {
        return Metric.newBuilder().setName(def.name()).setDescription(def.description()).setUnit(def.unit());
    }

    private static Metric numbers(MetricDef def, Points points, long time, long start) {
        if (points == null || points.size() == 0) {
            return null;
        }
        Gauge.Builder gauge = def.instrument() == MetricDef.Instrument.GAUGE ? Gauge.newBuilder() : null;
        Sum.Builder sum = gauge != null ? null : Sum.newBuilder().setAggregationTemporality(CUMULATIVE)
                .setIsMonotonic(def.instrument() == MetricDef.Instrument.COUNTER);
        List<String> keys = def.attributes();
        for (int p : sortedByComparator(points)) {
            NumberDataPoint.Builder point = NumberDataPoint.newBuilder().setTimeUnixNano(time);
            if (start > 0) {
                point.setStartTimeUnixNano(start);
            }
            if (def.valueType() == MetricDef.ValueType.INT) {
                point.setAsInt(points.longValue(p));
            } else {
                point.setAsDouble(points.doubleValue(p));
            }
            for (int k = 0; k < keys.size(); k++) {
                point.addAttributes(attribute(keys.get(k), points.attribute(p, k)));
            }
            if (gauge != null) {
                gauge.addDataPoints(point);
            } else {
                sum.addDataPoints(point);
            }
        }
        return gauge != null ? metric(def).setGauge(gauge).build() : metric(def).setSum(sum).build();
    }

    /**
     * The points' indexes sorted as the encoder did before {@link PointOrder#sorted(Points)} sorted int indexes
     * itself: boxed, by the JDK's stable sort with a comparator of attribute values key by key.
     */
    static int[] sortedByComparator(Points points) {
        int width = points.def().attributes().size();
        Integer[] order = new Integer[points.size()];
        for (int i = 0; i < order.length; i++) {
            order[i] = i;
        }
        java.util.Arrays.sort(order, (a, b) -> {
            for (int k = 0; k < width; k++) {
                int c = points.attribute(a, k).compareTo(points.attribute(b, k));
                if (c != 0) {
                    return c;
                }
            }
            return 0;
        });
        return java.util.Arrays.stream(order).mapToInt(Integer::intValue).toArray();
    }

    private static Metric histogram(MetricDef def, List<Histogram> series, long time, long start) {
        if (series.isEmpty()) {
            return null;
        }
        io.opentelemetry.proto.metrics.v1.Histogram.Builder histogram =
                io.opentelemetry.proto.metrics.v1.Histogram.newBuilder().setAggregationTemporality(CUMULATIVE);
        for (Histogram h : PointOrder.sorted(series)) {
            Histogram.Snapshot s = h.snapshot();
            HistogramDataPoint.Builder point = HistogramDataPoint.newBuilder().setTimeUnixNano(time)
                    .setStartTimeUnixNano(start).setCount(s.count()).setSum(s.sum());
            for (double bound : s.bounds()) {
                point.addExplicitBounds(bound);
            }
            for (long count : s.bucketCounts()) {
                point.addBucketCounts(count);
            }
            if (s.count() > 0) {
                point.setMin(s.min()).setMax(s.max());
            }
            for (int k = 0; k < def.attributes().size(); k++) {
                point.addAttributes(attribute(def.attributes().get(k), h.attributeValues().get(k)));
            }
            histogram.addDataPoints(point);
        }
        return metric(def).setHistogram(histogram).build();
    }

    static KeyValue attribute(String key, String value) {
        return KeyValue.newBuilder().setKey(key).setValue(AnyValue.newBuilder().setStringValue(value)).build();
    }
}
