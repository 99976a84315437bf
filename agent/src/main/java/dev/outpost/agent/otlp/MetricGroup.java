package dev.outpost.agent.otlp;

import io.micrometer.core.instrument.Tag;
import io.opentelemetry.proto.metrics.v1.AggregationTemporality;
import io.opentelemetry.proto.metrics.v1.Gauge;
import io.opentelemetry.proto.metrics.v1.Histogram;
import io.opentelemetry.proto.metrics.v1.HistogramDataPoint;
import io.opentelemetry.proto.metrics.v1.Metric;
import io.opentelemetry.proto.metrics.v1.NumberDataPoint;
import io.opentelemetry.proto.metrics.v1.Sum;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;

/** The data points of one metric name and kind, collected from all its meters and built into one OTLP metric. */
final class MetricGroup {
    private static final Comparator<List<Tag>> BY_ATTRIBUTES = (a, b) -> {
        for (int i = 0; i < Math.min(a.size(), b.size()); i++) {
            int c = a.get(i).getKey().compareTo(b.get(i).getKey());
            if (c == 0) {
                c = a.get(i).getValue().compareTo(b.get(i).getValue());
            }
            if (c != 0) {
                return c;
            }
        }
        return Integer.compare(a.size(), b.size());
    };

    enum Kind { GAUGE, SUM, HISTOGRAM }

    /** One data point; {@code value} is the histogram's sum, {@code max} NaN when unknown. */
    record Point(Kind kind, String unit, List<Tag> tags, double value, long count, double max) {
        static Point gauge(String unit, List<Tag> tags, double value) {
            return new Point(Kind.GAUGE, unit, tags, value, 0, Double.NaN);
        }

        static Point sum(String unit, List<Tag> tags, double value) {
            return new Point(Kind.SUM, unit, tags, value, 0, Double.NaN);
        }

        static Point histogram(String unit, List<Tag> tags, long count, double sum, double max) {
            return new Point(Kind.HISTOGRAM, unit, tags, sum, count, max);
        }
    }

    private final String name;
    private final Kind kind;
    private final String unit;
    private String description = "";
    private final List<Point> points = new ArrayList<>();

    MetricGroup(String name, Kind kind, String unit) {
        this.name = name;
        this.kind = kind;
        this.unit = unit;
    }

    void add(Point point, String meterDescription) {
        points.add(point);
        if (description.isEmpty() && meterDescription != null) {
            description = meterDescription;
        }
    }

    Metric toMetric(long timeUnixNano, long startTimeUnixNano) {
        points.sort(Comparator.comparing(Point::tags, BY_ATTRIBUTES));
        Metric.Builder metric = Metric.newBuilder().setName(name).setUnit(unit).setDescription(description);
        switch (kind) {
            case GAUGE -> {
                Gauge.Builder gauge = Gauge.newBuilder();
                points.forEach(p -> gauge.addDataPoints(number(p, timeUnixNano, 0)));
                metric.setGauge(gauge);
            }
            case SUM -> {
                Sum.Builder sum = Sum.newBuilder().setIsMonotonic(true)
                        .setAggregationTemporality(AggregationTemporality.AGGREGATION_TEMPORALITY_CUMULATIVE);
                points.forEach(p -> sum.addDataPoints(number(p, timeUnixNano, startTimeUnixNano)));
                metric.setSum(sum);
            }
            case HISTOGRAM -> {
                Histogram.Builder histogram = Histogram.newBuilder()
                        .setAggregationTemporality(AggregationTemporality.AGGREGATION_TEMPORALITY_CUMULATIVE);
                points.forEach(p -> histogram.addDataPoints(histogram(p, timeUnixNano, startTimeUnixNano)));
                metric.setHistogram(histogram);
            }
        }
        return metric.build();
    }

    private static NumberDataPoint number(Point p, long time, long start) {
        NumberDataPoint.Builder point = NumberDataPoint.newBuilder().setTimeUnixNano(time).setAsDouble(p.value());
        if (start > 0) {
            point.setStartTimeUnixNano(start);
        }
        p.tags().forEach(tag -> point.addAttributes(OtlpEncoder.attribute(tag.getKey(), tag.getValue())));
        return point.build();
    }

    private static HistogramDataPoint histogram(Point p, long time, long start) {
        HistogramDataPoint.Builder point = HistogramDataPoint.newBuilder().setTimeUnixNano(time)
                .setStartTimeUnixNano(start).setCount(p.count()).setSum(p.value());
        if (!Double.isNaN(p.max()) && p.count() > 0) {
            point.setMax(p.max());
        }
        p.tags().forEach(tag -> point.addAttributes(OtlpEncoder.attribute(tag.getKey(), tag.getValue())));
        return point.build();
    }
}
