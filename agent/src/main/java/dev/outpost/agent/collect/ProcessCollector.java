package dev.outpost.agent.collect;

import io.micrometer.core.instrument.MeterRegistry;
import java.util.Objects;

/**
 * {@code system.process.count{status=running|blocked|unknown}}: running and blocked come from the kernel's own
 * counts (one read, as the OpenTelemetry host metrics do), the rest of all processes is "unknown". Reading every
 * process's state would cost a file read per process per cycle.
 */
public final class ProcessCollector extends MeterCollector {
    private final HostProbe probe;
    private final MeterFamily count;

    public ProcessCollector(HostProbe probe, MeterRegistry registry) {
        super(registry);
        this.probe = Objects.requireNonNull(probe, "probe");
        this.count = gauge("system.process.count", "{processes}", "Total number of processes in each state");
    }

    @Override
    public String name() {
        return "processes";
    }

    @Override
    void update() {
        HostProbe.Processes processes = probe.processes();
        if (processes.total() <= 0) {
            throw new NoDataException("the OS reports no process count");
        }
        long known = 0;
        if (processes.running() >= 0 && processes.blocked() >= 0) {
            count.set(processes.running(), "status", "running");
            count.set(processes.blocked(), "status", "blocked");
            known = processes.running() + processes.blocked();
        }
        count.set(Math.max(0, processes.total() - known), "status", "unknown");
    }
}
