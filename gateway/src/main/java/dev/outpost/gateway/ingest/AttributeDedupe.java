package dev.outpost.gateway.ingest;

import io.opentelemetry.proto.collector.metrics.v1.ExportMetricsServiceRequest;
import io.opentelemetry.proto.common.v1.KeyValue;
import io.opentelemetry.proto.metrics.v1.ExponentialHistogramDataPoint;
import io.opentelemetry.proto.metrics.v1.HistogramDataPoint;
import io.opentelemetry.proto.metrics.v1.Metric;
import io.opentelemetry.proto.metrics.v1.NumberDataPoint;
import io.opentelemetry.proto.metrics.v1.ResourceMetrics;
import io.opentelemetry.proto.metrics.v1.ScopeMetrics;
import io.opentelemetry.proto.metrics.v1.SummaryDataPoint;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Resolves attribute keys that appear twice in one list (OTLP forbids it; a JSON object or a Prometheus label set
 * cannot hold it): the last value wins, at the position of the first. Runs only on the rare batch whose
 * {@link BatchScan} found a repeated key, so every sink sees unique keys.
 */
final class AttributeDedupe {
    private AttributeDedupe() {
    }

    static ExportMetricsServiceRequest apply(ExportMetricsServiceRequest req) {
        ExportMetricsServiceRequest.Builder b = req.toBuilder();
        for (ResourceMetrics.Builder rm : b.getResourceMetricsBuilderList()) {
            List<KeyValue> resource = unique(rm.getResource().getAttributesList());
            rm.getResourceBuilder().clearAttributes().addAllAttributes(resource);
            for (ScopeMetrics.Builder sm : rm.getScopeMetricsBuilderList()) {
                List<KeyValue> scope = unique(sm.getScope().getAttributesList());
                sm.getScopeBuilder().clearAttributes().addAllAttributes(scope);
                for (Metric.Builder m : sm.getMetricsBuilderList()) {
                    metric(m);
                }
            }
        }
        return b.build();
    }

    private static void metric(Metric.Builder m) {
        switch (m.getDataCase()) {
            case GAUGE -> {
                for (NumberDataPoint.Builder p : m.getGaugeBuilder().getDataPointsBuilderList()) {
                    List<KeyValue> a = unique(p.getAttributesList());
                    p.clearAttributes().addAllAttributes(a);
                }
            }
            case SUM -> {
                for (NumberDataPoint.Builder p : m.getSumBuilder().getDataPointsBuilderList()) {
                    List<KeyValue> a = unique(p.getAttributesList());
                    p.clearAttributes().addAllAttributes(a);
                }
            }
            case HISTOGRAM -> {
                for (HistogramDataPoint.Builder p : m.getHistogramBuilder().getDataPointsBuilderList()) {
                    List<KeyValue> a = unique(p.getAttributesList());
                    p.clearAttributes().addAllAttributes(a);
                }
            }
            case EXPONENTIAL_HISTOGRAM -> {
                for (ExponentialHistogramDataPoint.Builder p
                        : m.getExponentialHistogramBuilder().getDataPointsBuilderList()) {
                    List<KeyValue> a = unique(p.getAttributesList());
                    p.clearAttributes().addAllAttributes(a);
                }
            }
            case SUMMARY -> {
                for (SummaryDataPoint.Builder p : m.getSummaryBuilder().getDataPointsBuilderList()) {
                    List<KeyValue> a = unique(p.getAttributesList());
                    p.clearAttributes().addAllAttributes(a);
                }
            }
            case DATA_NOT_SET -> {
            }
        }
    }

    /** The list with each key once, holding its last value. */
    static List<KeyValue> unique(List<KeyValue> attributes) {
        Map<String, KeyValue> byKey = new LinkedHashMap<>();
        for (KeyValue kv : attributes) {
            byKey.put(kv.getKey(), kv);
        }
        return byKey.size() == attributes.size() ? attributes : new ArrayList<>(byKey.values());
    }
}
