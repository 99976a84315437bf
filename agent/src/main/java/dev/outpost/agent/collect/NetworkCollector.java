package dev.outpost.agent.collect;

import io.micrometer.core.instrument.MeterRegistry;
import java.util.List;
import java.util.Objects;

/**
 * {@code system.network.io|packets|errors{device, direction=receive|transmit}} and
 * {@code system.network.dropped{device, direction=receive}}, cumulative per interface (OSHI counts no transmit
 * drops).
 */
public final class NetworkCollector extends MeterCollector {
    private final HostProbe probe;
    private final MeterFamily io;
    private final MeterFamily packets;
    private final MeterFamily errors;
    private final MeterFamily dropped;

    public NetworkCollector(HostProbe probe, MeterRegistry registry) {
        super(registry);
        this.probe = Objects.requireNonNull(probe, "probe");
        this.io = counter("system.network.io", "bytes", "The number of bytes transmitted and received");
        this.packets = counter("system.network.packets", "{packets}", "The number of packets transferred");
        this.errors = counter("system.network.errors", "{errors}", "The number of errors encountered");
        this.dropped = counter("system.network.dropped", "{packets}", "The number of packets dropped");
    }

    @Override
    public String name() {
        return "network";
    }

    @Override
    void update() {
        List<HostProbe.Nic> nics = probe.networkInterfaces();
        if (nics.isEmpty()) {
            throw new NoDataException("no network interfaces found");
        }
        for (HostProbe.Nic nic : nics) {
            String device = nic.device();
            io.set(nic.bytesReceived(), "device", device, "direction", "receive");
            io.set(nic.bytesSent(), "device", device, "direction", "transmit");
            packets.set(nic.packetsReceived(), "device", device, "direction", "receive");
            packets.set(nic.packetsSent(), "device", device, "direction", "transmit");
            errors.set(nic.receiveErrors(), "device", device, "direction", "receive");
            errors.set(nic.transmitErrors(), "device", device, "direction", "transmit");
            dropped.set(nic.receiveDropped(), "device", device, "direction", "receive");
        }
    }
}
