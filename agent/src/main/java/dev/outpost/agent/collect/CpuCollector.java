package dev.outpost.agent.collect;

import static dev.outpost.agent.metrics.MetricDef.Since.BOOT;
import static dev.outpost.agent.metrics.MetricDef.ValueType.DOUBLE;

import dev.outpost.agent.metrics.MetricDef;
import dev.outpost.agent.metrics.Metrics;
import dev.outpost.agent.metrics.Points;
import java.util.List;
import java.util.Objects;

/** The cpu scraper's default metric: {@code system.cpu.time{cpu, state}}, seconds per logical CPU since boot. */
public final class CpuCollector extends PointCollector {
    public static final MetricDef TIME = MetricDef.counter("system.cpu.time", DOUBLE, "s", BOOT,
            "Total seconds each logical CPU spent on each mode.", "cpu", "state");

    private final HostProbe probe;
    private final Points time;

    public CpuCollector(HostProbe probe, Metrics metrics) {
        super(metrics);
        this.probe = Objects.requireNonNull(probe, "probe");
        this.time = points(TIME);
    }

    @Override
    public String name() {
        return "cpu";
    }

    @Override
    void update() {
        List<HostProbe.CpuTimes> cpus = probe.cpuTimes();
        if (cpus.isEmpty()) {
            throw new NoDataException("the OS reports no per-CPU times");
        }
        for (HostProbe.CpuTimes cpu : cpus) {
            time.add(cpu.user(), cpu.cpu(), "user");
            time.add(cpu.nice(), cpu.cpu(), "nice");
            time.add(cpu.system(), cpu.cpu(), "system");
            time.add(cpu.idle(), cpu.cpu(), "idle");
            time.add(cpu.iowait(), cpu.cpu(), "wait");
            time.add(cpu.irq(), cpu.cpu(), "interrupt");
            time.add(cpu.softirq(), cpu.cpu(), "softirq");
            time.add(cpu.steal(), cpu.cpu(), "steal");
        }
    }
}
