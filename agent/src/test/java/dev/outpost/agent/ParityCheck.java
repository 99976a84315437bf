package dev.outpost.agent;

import dev.outpost.agent.HostMetricsDefinitions.Attribute;
import dev.outpost.agent.HostMetricsDefinitions.Definition;
import io.opentelemetry.proto.collector.metrics.v1.ExportMetricsServiceRequest;
import io.opentelemetry.proto.common.v1.AnyValue;
import io.opentelemetry.proto.common.v1.KeyValue;
import io.opentelemetry.proto.metrics.v1.AggregationTemporality;
import io.opentelemetry.proto.metrics.v1.HistogramDataPoint;
import io.opentelemetry.proto.metrics.v1.Metric;
import io.opentelemetry.proto.metrics.v1.NumberDataPoint;
import io.opentelemetry.proto.metrics.v1.ResourceMetrics;
import io.opentelemetry.proto.metrics.v1.ScopeMetrics;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * Holds every metric of a decoded OTLP request against the pinned definitions and lists each difference in words:
 * an undefined name, another instrument, monotonicity or temporality, a missing start time, int for double or the
 * other way round, another unit or description, other attribute names, an attribute value outside its enum, other
 * bucket boundaries.
 */
final class ParityCheck {
    private static final AggregationTemporality CUMULATIVE = AggregationTemporality.AGGREGATION_TEMPORALITY_CUMULATIVE;
    private final Map<String, Definition> definitions;

    ParityCheck(Map<String, Definition> definitions) {
        this.definitions = Objects.requireNonNull(definitions, "definitions");
    }

    /** Every difference between {@code request}'s metrics and their definitions; empty when they all match. */
    List<String> differences(ExportMetricsServiceRequest request) {
        List<String> out = new ArrayList<>();
        for (ResourceMetrics resource : request.getResourceMetricsList()) {
            for (ScopeMetrics scope : resource.getScopeMetricsList()) {
                for (Metric metric : scope.getMetricsList()) {
                    check(metric, out);
                }
            }
        }
        return out;
    }

    private void check(Metric m, List<String> out) {
        Definition d = definitions.get(m.getName());
        String name = m.getName();
        if (d == null) {
            out.add(name + ": not defined by any scraper nor by the agent's own definitions");
            return;
        }
        String instrument = switch (m.getDataCase()) {
            case SUM -> "sum";
            case GAUGE -> "gauge";
            case HISTOGRAM -> "histogram";
            default -> m.getDataCase().toString();
        };
        same(name, "instrument", d.instrument(), instrument, out);
        same(name, "unit", d.unit(), m.getUnit(), out);
        same(name, "description", d.description(), m.getDescription(), out);
        if (!d.instrument().equals(instrument)) {
            return;
        }
        switch (m.getDataCase()) {
            case SUM -> {
                same(name, "monotonic", d.monotonic(), m.getSum().getIsMonotonic(), out);
                same(name, "temporality", CUMULATIVE, m.getSum().getAggregationTemporality(), out);
                m.getSum().getDataPointsList().forEach(p -> number(d, p, true, out));
                nonEmpty(name, m.getSum().getDataPointsCount(), out);
            }
            case GAUGE -> {
                m.getGauge().getDataPointsList().forEach(p -> number(d, p, false, out));
                nonEmpty(name, m.getGauge().getDataPointsCount(), out);
            }
            case HISTOGRAM -> {
                same(name, "temporality", CUMULATIVE, m.getHistogram().getAggregationTemporality(), out);
                m.getHistogram().getDataPointsList().forEach(p -> histogram(d, p, out));
                nonEmpty(name, m.getHistogram().getDataPointsCount(), out);
            }
            default -> out.add(name + ": unexpected data " + m.getDataCase());
        }
    }

    private static void number(Definition d, NumberDataPoint p, boolean cumulative, List<String> out) {
        String type = p.getValueCase() == NumberDataPoint.ValueCase.AS_INT ? "int"
                : p.getValueCase() == NumberDataPoint.ValueCase.AS_DOUBLE ? "double" : "none";
        same(d.name() + at(p.getAttributesList()), "value type", d.valueType(), type, out);
        if (cumulative) {
            start(d.name() + at(p.getAttributesList()), p.getStartTimeUnixNano(), p.getTimeUnixNano(), out);
        }
        attributes(d, p.getAttributesList(), out);
    }

    private static void histogram(Definition d, HistogramDataPoint p, List<String> out) {
        String point = d.name() + at(p.getAttributesList());
        start(point, p.getStartTimeUnixNano(), p.getTimeUnixNano(), out);
        same(point, "bucket boundaries", d.bounds(), p.getExplicitBoundsList(), out);
        same(point, "bucket count", p.getExplicitBoundsCount() + 1, p.getBucketCountsCount(), out);
        same(point, "count (the sum of the buckets)", p.getBucketCountsList().stream().mapToLong(Long::longValue).sum(),
                p.getCount(), out);
        attributes(d, p.getAttributesList(), out);
    }

    private static void start(String point, long start, long time, List<String> out) {
        if (start <= 0 || start > time) {
            out.add(point + ": cumulative data needs a start time at or before its time, has " + start + " for "
                    + time);
        }
    }

    private static void attributes(Definition d, List<KeyValue> attributes, List<String> out) {
        List<String> keys = attributes.stream().map(KeyValue::getKey).sorted().toList();
        List<String> expected = d.attributes().stream().map(Attribute::name).sorted().toList();
        same(d.name() + at(attributes), "attribute names", expected, keys, out);
        for (KeyValue kv : attributes) {
            if (kv.getValue().getValueCase() != AnyValue.ValueCase.STRING_VALUE) {
                out.add(d.name() + at(attributes) + ": attribute " + kv.getKey() + " is not a string");
            }
            for (Attribute a : d.attributes()) {
                if (a.name().equals(kv.getKey()) && !a.values().isEmpty()
                        && !a.values().contains(kv.getValue().getStringValue())) {
                    out.add(d.name() + at(attributes) + ": " + a.name() + "=\"" + kv.getValue().getStringValue()
                            + "\" is none of " + a.values());
                }
            }
        }
    }

    private static void nonEmpty(String name, int points, List<String> out) {
        if (points == 0) {
            out.add(name + ": a metric without data points");
        }
    }

    private static void same(String what, String field, Object expected, Object actual, List<String> out) {
        if (!Objects.equals(expected, actual)) {
            out.add(what + ": " + field + " is " + actual + ", defined as " + expected);
        }
    }

    private static String at(List<KeyValue> attributes) {
        if (attributes.isEmpty()) {
            return "";
        }
        StringBuilder s = new StringBuilder("{");
        for (KeyValue kv : attributes) {
            s.append(s.length() > 1 ? "," : "").append(kv.getKey()).append('=').append(kv.getValue().getStringValue());
        }
        return s.append('}').toString();
    }
}
