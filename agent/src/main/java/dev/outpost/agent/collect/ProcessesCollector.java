package dev.outpost.agent.collect;

import static dev.outpost.agent.metrics.MetricDef.Since.BOOT;
import static dev.outpost.agent.metrics.MetricDef.ValueType.INT;

import dev.outpost.agent.metrics.MetricDef;
import dev.outpost.agent.metrics.Metrics;
import dev.outpost.agent.metrics.Points;
import java.util.Objects;

/**
 * The processes scraper on Linux: {@code system.processes.created} (processes forked since boot) and
 * {@code system.processes.count{status}}. As in the receiver, "running" and "blocked" are the kernel's counts
 * (procs_running, procs_blocked of /proc/stat) and the states add up to the kernel's number of tasks (the total of
 * /proc/loadavg, which counts threads too); the rest is "unknown", because telling sleeping from stopped or zombie
 * would mean reading every /proc/PID/stat, which the agent's sandbox (ProtectProc=noaccess) forbids and which
 * would cost a read per process per cycle.
 */
public final class ProcessesCollector extends PointCollector {
    public static final MetricDef COUNT = MetricDef.upDownCounter("system.processes.count", INT, "{processes}", BOOT,
            "Total number of processes in each state.", "status");
    public static final MetricDef CREATED = MetricDef.counter("system.processes.created", INT, "{processes}", BOOT,
            "Total number of created processes.");

    private final HostProbe probe;
    private final Points count;
    private final Points created;

    public ProcessesCollector(HostProbe probe, Metrics metrics) {
        super(metrics);
        this.probe = Objects.requireNonNull(probe, "probe");
        this.count = points(COUNT);
        this.created = points(CREATED);
    }

    @Override
    public String name() {
        return "processes";
    }

    @Override
    void update() {
        HostProbe.Processes p = probe.processes();
        if (p.running() < 0 || p.blocked() < 0 || p.tasks() < 0 || p.created() < 0) {
            throw new IllegalStateException("/proc/stat or /proc/loadavg lacks the process counts: " + p);
        }
        count.add(p.running(), "running");
        count.add(p.blocked(), "blocked");
        count.add(Math.max(0, p.tasks() - p.running() - p.blocked()), "unknown");
        created.add(p.created());
    }
}
