package dev.outpost.agent.collect;

import static dev.outpost.agent.metrics.MetricDef.Since.BOOT;
import static dev.outpost.agent.metrics.MetricDef.ValueType.INT;

import dev.outpost.agent.metrics.MetricDef;
import dev.outpost.agent.metrics.Metrics;
import dev.outpost.agent.metrics.Points;
import java.util.Objects;

/**
 * The paging scraper's default metrics on Linux: {@code system.paging.usage{device, state=used|free}} per swap
 * device (none on a host without swap, as the receiver does), {@code system.paging.operations{direction, type}}
 * (major: pages swapped in and out, pswpin/pswpout; minor: pages paged in and out, pgpgin/pgpgout) and
 * {@code system.paging.faults{type}} (major faults, and all other faults as minor). Counts are the kernel's, as the
 * unit says; the receiver's gopsutil multiplies them by 4096.
 */
public final class PagingCollector extends PointCollector {
    public static final MetricDef USAGE = MetricDef.upDownCounter("system.paging.usage", INT, "By", BOOT,
            "Swap (unix) or pagefile (windows) usage.", "device", "state");
    public static final MetricDef OPERATIONS = MetricDef.counter("system.paging.operations", INT, "{operations}",
            BOOT, "The number of paging operations.", "direction", "type");
    public static final MetricDef FAULTS = MetricDef.counter("system.paging.faults", INT, "{faults}", BOOT,
            "The number of page faults.", "type");

    private final HostProbe probe;
    private final Points usage;
    private final Points operations;
    private final Points faults;

    public PagingCollector(HostProbe probe, Metrics metrics) {
        super(metrics);
        this.probe = Objects.requireNonNull(probe, "probe");
        this.usage = points(USAGE);
        this.operations = points(OPERATIONS);
        this.faults = points(FAULTS);
    }

    @Override
    public String name() {
        return "paging";
    }

    @Override
    void update() {
        HostProbe.Paging paging = probe.paging();
        for (HostProbe.SwapDevice device : paging.devices()) {
            usage.add(device.usedBytes(), device.device(), "used");
            usage.add(device.freeBytes(), device.device(), "free");
        }
        if (Math.min(Math.min(paging.swapIns(), paging.swapOuts()), Math.min(paging.pagesIn(), paging.pagesOut())) < 0
                || paging.faults() < 0 || paging.majorFaults() < 0) {
            throw new IllegalStateException("/proc/vmstat lacks pswpin/pswpout, pgpgin/pgpgout or pgfault/pgmajfault");
        }
        operations.add(paging.swapIns(), "page_in", "major");
        operations.add(paging.swapOuts(), "page_out", "major");
        operations.add(paging.pagesIn(), "page_in", "minor");
        operations.add(paging.pagesOut(), "page_out", "minor");
        faults.add(paging.majorFaults(), "major");
        faults.add(Math.max(0, paging.faults() - paging.majorFaults()), "minor");
    }
}
