package dev.outpost.gateway.view;

import dev.outpost.gateway.ingest.StampedBatch;
import dev.outpost.gateway.sink.AttributeText;
import io.opentelemetry.proto.common.v1.KeyValue;
import io.opentelemetry.proto.metrics.v1.HistogramDataPoint;
import io.opentelemetry.proto.metrics.v1.Metric;
import io.opentelemetry.proto.metrics.v1.NumberDataPoint;
import io.opentelemetry.proto.metrics.v1.ResourceMetrics;
import io.opentelemetry.proto.metrics.v1.ScopeMetrics;
import java.time.Instant;
import java.util.Collections;
import java.util.List;
import java.util.SortedMap;
import java.util.TreeMap;
import java.util.function.Consumer;
import java.util.function.Predicate;

/** The data points of a stored batch as the live view's {@link SinkPoint}s, for the metrics it shows. */
final class OtlpPoints {
    private OtlpPoints() {
    }

    /** Passes each gauge, sum and histogram point of a metric {@code shown} accepts to {@code out}. */
    static void of(StampedBatch b, Predicate<String> shown, Consumer<SinkPoint> out) {
        for (ResourceMetrics rm : b.request().getResourceMetricsList()) {
            String host = host(rm);
            for (ScopeMetrics sm : rm.getScopeMetricsList()) {
                for (Metric m : sm.getMetricsList()) {
                    if (!shown.test(m.getName())) {
                        continue;
                    }
                    switch (m.getDataCase()) {
                        case GAUGE -> m.getGauge().getDataPointsList().forEach(p -> out.accept(number(b, host, m,
                                "gauge", p)));
                        case SUM -> m.getSum().getDataPointsList().forEach(p -> out.accept(number(b, host, m, "sum",
                                p)));
                        case HISTOGRAM -> m.getHistogram().getDataPointsList().forEach(p -> out.accept(
                                histogram(b, host, m, p)));
                        default -> {
                        }
                    }
                }
            }
        }
    }

    private static String host(ResourceMetrics rm) {
        for (KeyValue kv : rm.getResource().getAttributesList()) {
            if (kv.getKey().equals("host.name")) {
                return AttributeText.of(kv.getValue());
            }
        }
        return "";
    }

    private static SinkPoint number(StampedBatch b, String host, Metric m, String kind, NumberDataPoint p) {
        double v = p.getValueCase() == NumberDataPoint.ValueCase.AS_INT ? p.getAsInt() : p.getAsDouble();
        return new SinkPoint(time(p.getTimeUnixNano()), b.identity().org(), b.identity().agentId(), host, m.getName(),
                kind, m.getUnit(), attributes(p.getAttributesList()), v, -1, Double.NaN, b.batchId());
    }

    private static SinkPoint histogram(StampedBatch b, String host, Metric m, HistogramDataPoint p) {
        return new SinkPoint(time(p.getTimeUnixNano()), b.identity().org(), b.identity().agentId(), host,
                m.getName(), "histogram", m.getUnit(), attributes(p.getAttributesList()),
                p.hasSum() ? p.getSum() : Double.NaN, p.getCount(), p.hasMax() ? p.getMax() : Double.NaN,
                b.batchId());
    }

    private static Instant time(long nanos) {
        return Instant.ofEpochSecond(Math.floorDiv(nanos, 1_000_000_000L), Math.floorMod(nanos, 1_000_000_000L));
    }

    private static SortedMap<String, String> attributes(List<KeyValue> attributes) {
        if (attributes.isEmpty()) {
            return Collections.emptySortedMap();
        }
        TreeMap<String, String> map = new TreeMap<>();
        for (KeyValue kv : attributes) {
            map.put(kv.getKey(), AttributeText.of(kv.getValue()));
        }
        return map;
    }
}
