package dev.outpost.agent.collect;

import io.micrometer.core.instrument.MeterRegistry;
import java.util.Objects;

/** {@code system.uptime}: seconds since the host booted. */
public final class UptimeCollector extends MeterCollector {
    private final HostProbe probe;
    private final MeterFamily uptime;

    public UptimeCollector(HostProbe probe, MeterRegistry registry) {
        super(registry);
        this.probe = Objects.requireNonNull(probe, "probe");
        this.uptime = gauge("system.uptime", "seconds", "The time the system has been running");
    }

    @Override
    public String name() {
        return "uptime";
    }

    @Override
    void update() {
        double seconds = probe.uptimeSeconds();
        if (seconds <= 0) {
            throw new NoDataException("the OS reports no uptime");
        }
        uptime.set(seconds);
    }
}
