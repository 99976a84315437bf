package dev.outpost.agent.collect;

import static dev.outpost.agent.metrics.MetricDef.ValueType.DOUBLE;

import dev.outpost.agent.metrics.MetricDef;
import dev.outpost.agent.metrics.Metrics;
import dev.outpost.agent.metrics.Points;
import java.util.Objects;

/** The load scraper: {@code system.cpu.load_average.1m|5m|15m}, the run queue averaged over 1, 5 and 15 minutes. */
public final class LoadAverageCollector extends PointCollector {
    public static final MetricDef ONE = MetricDef.gauge("system.cpu.load_average.1m", DOUBLE, "{thread}",
            "Average CPU Load over 1 minute.");
    public static final MetricDef FIVE = MetricDef.gauge("system.cpu.load_average.5m", DOUBLE, "{thread}",
            "Average CPU Load over 5 minutes.");
    public static final MetricDef FIFTEEN = MetricDef.gauge("system.cpu.load_average.15m", DOUBLE, "{thread}",
            "Average CPU Load over 15 minutes.");

    private final HostProbe probe;
    private final Points one;
    private final Points five;
    private final Points fifteen;

    public LoadAverageCollector(HostProbe probe, Metrics metrics) {
        super(metrics);
        this.probe = Objects.requireNonNull(probe, "probe");
        this.one = points(ONE);
        this.five = points(FIVE);
        this.fifteen = points(FIFTEEN);
    }

    @Override
    public String name() {
        return "load";
    }

    @Override
    void update() {
        HostProbe.LoadAverage load = probe.loadAverage();
        if (load.oneMinute() < 0 || load.fiveMinutes() < 0 || load.fifteenMinutes() < 0) {
            throw new NoDataException("the OS reports no load average");
        }
        one.add(load.oneMinute());
        five.add(load.fiveMinutes());
        fifteen.add(load.fifteenMinutes());
    }
}
