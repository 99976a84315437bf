package dev.outpost.agent.collect;

import io.micrometer.core.instrument.MeterRegistry;
import java.util.Objects;

/** {@code system.cpu.load_average.1m|5m|15m}: the run queue averaged over 1, 5 and 15 minutes. */
public final class LoadAverageCollector extends MeterCollector {
    private final HostProbe probe;
    private final MeterFamily one;
    private final MeterFamily five;
    private final MeterFamily fifteen;

    public LoadAverageCollector(HostProbe probe, MeterRegistry registry) {
        super(registry);
        this.probe = Objects.requireNonNull(probe, "probe");
        this.one = gauge("system.cpu.load_average.1m", "{thread}", "Average CPU load over 1 minute");
        this.five = gauge("system.cpu.load_average.5m", "{thread}", "Average CPU load over 5 minutes");
        this.fifteen = gauge("system.cpu.load_average.15m", "{thread}", "Average CPU load over 15 minutes");
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
        one.set(load.oneMinute());
        five.set(load.fiveMinutes());
        fifteen.set(load.fifteenMinutes());
    }
}
