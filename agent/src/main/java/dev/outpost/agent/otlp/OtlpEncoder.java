package dev.outpost.agent.otlp;

import io.micrometer.core.instrument.Measurement;
import io.micrometer.core.instrument.Meter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Tag;
import io.opentelemetry.proto.collector.metrics.v1.ExportMetricsServiceRequest;
import io.opentelemetry.proto.common.v1.AnyValue;
import io.opentelemetry.proto.common.v1.InstrumentationScope;
import io.opentelemetry.proto.common.v1.KeyValue;
import io.opentelemetry.proto.metrics.v1.ResourceMetrics;
import io.opentelemetry.proto.metrics.v1.ScopeMetrics;
import io.opentelemetry.proto.resource.v1.Resource;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;

/**
 * Turns the current meters of a registry into one OTLP export request: gauges (and long task timers' active
 * duration) become OTLP gauges, counters cumulative monotonic sums, timers and distribution summaries cumulative
 * histograms without buckets. Data points of one name form one metric; metrics are sorted by name and points by
 * attributes, so equal registries give equal bytes. Counters are read as cumulative, so the registry must count
 * cumulatively (a {@code SimpleMeterRegistry} in {@code CountingMode.CUMULATIVE}).
 */
public final class OtlpEncoder {
    /** The instrumentation scope name of everything the agent reports. */
    public static final String SCOPE_NAME = "dev.outpost.agent";

    private final String scopeVersion;

    /** @param scopeVersion the agent's version, reported as the instrumentation scope version */
    public OtlpEncoder(String scopeVersion) {
        if (scopeVersion == null || scopeVersion.isBlank()) {
            throw new IllegalArgumentException("scopeVersion must name the agent version, got \"" + scopeVersion
                    + "\"");
        }
        this.scopeVersion = scopeVersion;
    }

    /**
     * The request carrying every meter of {@code registry} as it reads now.
     *
     * @param resource resource attributes (host.name, service.name, ...)
     * @param timeUnixNano the time of this reading
     * @param startTimeUnixNano when the cumulative series started (the agent's start); if the wall clock was set
     *     back to before it, the start is taken to be {@code timeUnixNano}, as OTLP requires start &lt;= time
     */
    public ExportMetricsServiceRequest encode(MeterRegistry registry, Map<String, String> resource,
            long timeUnixNano, long startTimeUnixNano) {
        Objects.requireNonNull(registry, "registry");
        Objects.requireNonNull(resource, "resource");
        if (timeUnixNano <= 0 || startTimeUnixNano <= 0) {
            throw new IllegalArgumentException("timeUnixNano " + timeUnixNano + " and startTimeUnixNano "
                    + startTimeUnixNano + " must be positive nanoseconds since the epoch");
        }
        long start = Math.min(startTimeUnixNano, timeUnixNano);
        Map<String, MetricGroup> groups = new TreeMap<>();
        for (Meter meter : registry.getMeters()) {
            for (MetricGroup.Point point : points(meter)) {
                groups.computeIfAbsent(meter.getId().getName() + "\u0000" + point.kind(),
                        key -> new MetricGroup(meter.getId().getName(), point.kind(), point.unit()))
                        .add(point, meter.getId().getDescription());
            }
        }
        ScopeMetrics.Builder scope = ScopeMetrics.newBuilder()
                .setScope(InstrumentationScope.newBuilder().setName(SCOPE_NAME).setVersion(scopeVersion));
        groups.values().forEach(group -> scope.addMetrics(group.toMetric(timeUnixNano, start)));
        Resource.Builder res = Resource.newBuilder();
        new TreeMap<>(resource).forEach((key, value) -> res.addAttributes(attribute(key, value)));
        return ExportMetricsServiceRequest.newBuilder()
                .addResourceMetrics(ResourceMetrics.newBuilder().setResource(res).addScopeMetrics(scope))
                .build();
    }

    private static List<MetricGroup.Point> points(Meter meter) {
        List<Tag> tags = meter.getId().getTags();
        String unit = OtlpUnits.of(meter.getId().getBaseUnit());
        List<MetricGroup.Point> points = new ArrayList<>(1);
        meter.use(
                gauge -> points.add(MetricGroup.Point.gauge(unit, tags, gauge.value())),
                counter -> points.add(MetricGroup.Point.sum(unit, tags, counter.count())),
                timer -> points.add(MetricGroup.Point.histogram("s", tags, timer.count(),
                        timer.totalTime(TimeUnit.SECONDS), timer.max(TimeUnit.SECONDS))),
                summary -> points.add(MetricGroup.Point.histogram(unit, tags, summary.count(),
                        summary.totalAmount(), summary.max())),
                longTask -> points.add(MetricGroup.Point.gauge("s", tags, longTask.duration(TimeUnit.SECONDS))),
                timeGauge -> points.add(MetricGroup.Point.gauge("s", tags, timeGauge.value(TimeUnit.SECONDS))),
                functionCounter -> points.add(MetricGroup.Point.sum(unit, tags, functionCounter.count())),
                functionTimer -> points.add(MetricGroup.Point.histogram("s", tags, (long) functionTimer.count(),
                        functionTimer.totalTime(TimeUnit.SECONDS), Double.NaN)),
                other -> {
                    for (Measurement measurement : other.measure()) {
                        List<Tag> withStatistic = new ArrayList<>(tags);
                        withStatistic.add(Tag.of("statistic", measurement.getStatistic().getTagValueRepresentation()));
                        withStatistic.sort(Comparator.naturalOrder());
                        points.add(MetricGroup.Point.gauge(unit, withStatistic, measurement.getValue()));
                    }
                });
        points.removeIf(point -> Double.isNaN(point.value()));
        return points;
    }

    static KeyValue attribute(String key, String value) {
        return KeyValue.newBuilder().setKey(key).setValue(AnyValue.newBuilder().setStringValue(value)).build();
    }
}
