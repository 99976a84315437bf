package dev.outpost.agent.collect;

import io.micrometer.core.instrument.MeterRegistry;
import java.util.Objects;

/**
 * {@code system.paging.usage{device, state=used|free}} per swap device (on a host without swap, one pair of
 * zeros without a device, so that "no swap" reads as 0 bytes rather than as missing data) and
 * {@code system.paging.operations{direction=page_in|page_out, type=major}}: pages swapped in and out since boot.
 */
public final class PagingCollector extends MeterCollector {
    private final HostProbe probe;
    private final MeterFamily usage;
    private final MeterFamily operations;

    public PagingCollector(HostProbe probe, MeterRegistry registry) {
        super(registry);
        this.probe = Objects.requireNonNull(probe, "probe");
        this.usage = gauge("system.paging.usage", "bytes", "Swap (unix) or pagefile (windows) usage");
        this.operations = counter("system.paging.operations", "{operations}", "The number of paging operations");
    }

    @Override
    public String name() {
        return "paging";
    }

    @Override
    void update() {
        HostProbe.Paging paging = probe.paging();
        if (paging.devices().isEmpty()) {
            usage.set(0, "state", "used");
            usage.set(0, "state", "free");
        }
        for (HostProbe.SwapDevice device : paging.devices()) {
            usage.set(device.usedBytes(), "device", device.device(), "state", "used");
            usage.set(device.freeBytes(), "device", device.device(), "state", "free");
        }
        operations.set(paging.pagesSwappedIn(), "direction", "page_in", "type", "major");
        operations.set(paging.pagesSwappedOut(), "direction", "page_out", "type", "major");
    }
}
