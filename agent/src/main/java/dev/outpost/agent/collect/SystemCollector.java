package dev.outpost.agent.collect;

import static dev.outpost.agent.metrics.MetricDef.ValueType.DOUBLE;

import dev.outpost.agent.metrics.MetricDef;
import dev.outpost.agent.metrics.Metrics;
import dev.outpost.agent.metrics.Points;
import java.util.Objects;

/** The system scraper: {@code system.uptime}, seconds since the host booted. */
public final class SystemCollector extends PointCollector {
    public static final MetricDef UPTIME = MetricDef.gauge("system.uptime", DOUBLE, "s",
            "The time the system has been running");

    private final HostProbe probe;
    private final Points uptime;

    public SystemCollector(HostProbe probe, Metrics metrics) {
        super(metrics);
        this.probe = Objects.requireNonNull(probe, "probe");
        this.uptime = points(UPTIME);
    }

    @Override
    public String name() {
        return "system";
    }

    @Override
    void update() {
        double seconds = probe.uptimeSeconds();
        if (seconds <= 0) {
            throw new NoDataException("the OS reports no uptime");
        }
        uptime.add(seconds);
    }
}
