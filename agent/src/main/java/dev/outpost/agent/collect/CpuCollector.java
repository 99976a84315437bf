package dev.outpost.agent.collect;

import io.micrometer.core.instrument.MeterRegistry;
import java.util.List;
import java.util.Objects;

/** {@code system.cpu.time{cpu, state}}: seconds each logical CPU spent in each state since boot. */
public final class CpuCollector extends MeterCollector {
    private final HostProbe probe;
    private final MeterFamily time;

    public CpuCollector(HostProbe probe, MeterRegistry registry) {
        super(registry);
        this.probe = Objects.requireNonNull(probe, "probe");
        this.time = counter("system.cpu.time", "seconds", "Seconds each logical CPU spent on each mode");
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
            set(cpu.cpu(), "user", cpu.user());
            set(cpu.cpu(), "nice", cpu.nice());
            set(cpu.cpu(), "system", cpu.system());
            set(cpu.cpu(), "idle", cpu.idle());
            set(cpu.cpu(), "wait", cpu.iowait());
            set(cpu.cpu(), "interrupt", cpu.irq());
            set(cpu.cpu(), "softirq", cpu.softirq());
            set(cpu.cpu(), "steal", cpu.steal());
        }
    }

    private void set(String cpu, String state, double seconds) {
        time.set(seconds, "cpu", cpu, "state", state);
    }
}
