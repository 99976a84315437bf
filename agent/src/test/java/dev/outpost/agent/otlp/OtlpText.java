package dev.outpost.agent.otlp;

import io.opentelemetry.proto.collector.metrics.v1.ExportMetricsServiceRequest;
import io.opentelemetry.proto.common.v1.KeyValue;
import io.opentelemetry.proto.metrics.v1.HistogramDataPoint;
import io.opentelemetry.proto.metrics.v1.Metric;
import io.opentelemetry.proto.metrics.v1.NumberDataPoint;
import io.opentelemetry.proto.metrics.v1.ResourceMetrics;
import io.opentelemetry.proto.metrics.v1.ScopeMetrics;
import java.math.BigDecimal;
import java.util.List;
import java.util.stream.Collectors;

/**
 * Renders the data points of an export request as stable text for golden files, one line per point, in encoder
 * order: {@code name{k="v",...} gauge|counter|updowncounter unit int|double value}, and for histograms
 * {@code name{...} histogram unit count=.. sum=.. [min=.. max=..] buckets=le:count,...,+Inf:count}.
 */
public final class OtlpText {
    private OtlpText() {
    }

    public static String render(ExportMetricsServiceRequest request) {
        StringBuilder out = new StringBuilder();
        for (ResourceMetrics resource : request.getResourceMetricsList()) {
            for (ScopeMetrics scope : resource.getScopeMetricsList()) {
                for (Metric metric : scope.getMetricsList()) {
                    render(metric, out);
                }
            }
        }
        return out.toString();
    }

    private static void render(Metric metric, StringBuilder out) {
        switch (metric.getDataCase()) {
            case GAUGE -> metric.getGauge().getDataPointsList().forEach(p -> line(metric, "gauge", p, out));
            case SUM -> metric.getSum().getDataPointsList().forEach(p -> line(metric,
                    metric.getSum().getIsMonotonic() ? "counter" : "updowncounter", p, out));
            case HISTOGRAM -> metric.getHistogram().getDataPointsList().forEach(p -> histogram(metric, p, out));
            default -> throw new IllegalArgumentException("unexpected metric kind " + metric.getDataCase());
        }
    }

    private static void line(Metric metric, String kind, NumberDataPoint point, StringBuilder out) {
        out.append(metric.getName()).append(attributes(point.getAttributesList())).append(' ').append(kind)
                .append(' ').append(metric.getUnit()).append(' ');
        if (point.hasAsInt()) {
            out.append("int ").append(point.getAsInt());
        } else {
            out.append("double ").append(number(point.getAsDouble()));
        }
        out.append('\n');
    }

    private static void histogram(Metric metric, HistogramDataPoint p, StringBuilder out) {
        out.append(metric.getName()).append(attributes(p.getAttributesList())).append(" histogram ")
                .append(metric.getUnit()).append(" count=").append(p.getCount()).append(" sum=")
                .append(number(p.getSum()));
        if (p.hasMin()) {
            out.append(" min=").append(number(p.getMin())).append(" max=").append(number(p.getMax()));
        }
        out.append(" buckets=");
        for (int i = 0; i < p.getBucketCountsCount(); i++) {
            out.append(i == 0 ? "" : ",").append(i < p.getExplicitBoundsCount() ? number(p.getExplicitBounds(i))
                    : "+Inf").append(':').append(p.getBucketCounts(i));
        }
        out.append('\n');
    }

    private static String attributes(List<KeyValue> attributes) {
        if (attributes.isEmpty()) {
            return "";
        }
        return attributes.stream().map(kv -> kv.getKey() + "=\"" + kv.getValue().getStringValue() + "\"")
                .collect(Collectors.joining(",", "{", "}"));
    }

    /** Plain decimal without exponent or trailing zeros: 1024, 0.25, 1234.5. */
    static String number(double value) {
        if (Double.isNaN(value) || Double.isInfinite(value)) {
            return Double.toString(value);
        }
        BigDecimal decimal = new BigDecimal(Double.toString(value)).stripTrailingZeros();
        return decimal.scale() < 0 ? decimal.setScale(0).toPlainString() : decimal.toPlainString();
    }
}
