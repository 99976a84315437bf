package dev.outpost.agent.otlp;

import io.opentelemetry.proto.collector.metrics.v1.ExportMetricsServiceRequest;
import io.opentelemetry.proto.common.v1.KeyValue;
import io.opentelemetry.proto.metrics.v1.Metric;
import io.opentelemetry.proto.metrics.v1.NumberDataPoint;
import io.opentelemetry.proto.metrics.v1.ResourceMetrics;
import io.opentelemetry.proto.metrics.v1.ScopeMetrics;
import java.math.BigDecimal;
import java.util.List;
import java.util.stream.Collectors;

/**
 * Renders the data points of an export request as stable text for golden files, one line per point:
 * {@code name{k="v",...} kind unit value} ({@code count=.. sum=.. max=..} for histograms), in encoder order.
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
            case SUM -> metric.getSum().getDataPointsList().forEach(p -> line(metric, "sum", p, out));
            case HISTOGRAM -> metric.getHistogram().getDataPointsList().forEach(p -> out.append(metric.getName())
                    .append(attributes(p.getAttributesList())).append(" histogram ").append(metric.getUnit())
                    .append(" count=").append(p.getCount()).append(" sum=").append(number(p.getSum()))
                    .append(p.hasMax() ? " max=" + number(p.getMax()) : "").append('\n'));
            default -> throw new IllegalArgumentException("unexpected metric kind " + metric.getDataCase());
        }
    }

    private static void line(Metric metric, String kind, NumberDataPoint point, StringBuilder out) {
        double value = point.hasAsInt() ? point.getAsInt() : point.getAsDouble();
        out.append(metric.getName()).append(attributes(point.getAttributesList())).append(' ').append(kind)
                .append(' ').append(metric.getUnit()).append(' ').append(number(value)).append('\n');
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
