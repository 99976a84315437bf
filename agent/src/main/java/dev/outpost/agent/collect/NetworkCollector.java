package dev.outpost.agent.collect;

import static dev.outpost.agent.metrics.MetricDef.Since.BOOT;
import static dev.outpost.agent.metrics.MetricDef.ValueType.INT;

import dev.outpost.agent.metrics.MetricDef;
import dev.outpost.agent.metrics.Metrics;
import dev.outpost.agent.metrics.Points;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * The network scraper's default metrics: {@code system.network.io|packets|errors|dropped{device, direction}} for
 * every interface of /proc/net/dev, both directions, and {@code system.network.connections{protocol=tcp, state}}:
 * TCP sockets of both IP versions per state, every state each time (the protocol attribute allows only tcp).
 */
public final class NetworkCollector extends PointCollector {
    public static final MetricDef IO = MetricDef.counter("system.network.io", INT, "By", BOOT,
            "The number of bytes transmitted and received.", "device", "direction");
    public static final MetricDef PACKETS = MetricDef.counter("system.network.packets", INT, "{packets}", BOOT,
            "The number of packets transferred.", "device", "direction");
    public static final MetricDef ERRORS = MetricDef.counter("system.network.errors", INT, "{errors}", BOOT,
            "The number of errors encountered.", "device", "direction");
    public static final MetricDef DROPPED = MetricDef.counter("system.network.dropped", INT, "{packets}", BOOT,
            "The number of packets dropped.", "device", "direction");
    public static final MetricDef CONNECTIONS = MetricDef.upDownCounter("system.network.connections", INT,
            "{connections}", BOOT, "The number of connections.", "protocol", "state");

    private final HostProbe probe;
    private final Points io;
    private final Points packets;
    private final Points errors;
    private final Points dropped;
    private final Points connections;

    public NetworkCollector(HostProbe probe, Metrics metrics) {
        super(metrics);
        this.probe = Objects.requireNonNull(probe, "probe");
        this.io = points(IO);
        this.packets = points(PACKETS);
        this.errors = points(ERRORS);
        this.dropped = points(DROPPED);
        this.connections = points(CONNECTIONS);
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
            io.add(nic.bytesReceived(), device, "receive");
            io.add(nic.bytesSent(), device, "transmit");
            packets.add(nic.packetsReceived(), device, "receive");
            packets.add(nic.packetsSent(), device, "transmit");
            errors.add(nic.receiveErrors(), device, "receive");
            errors.add(nic.transmitErrors(), device, "transmit");
            dropped.add(nic.receiveDropped(), device, "receive");
            dropped.add(nic.transmitDropped(), device, "transmit");
        }
        Map<String, Long> tcp = probe.tcpConnections();
        for (String state : ProcNet.TCP_STATES) {
            connections.add(tcp.getOrDefault(state, 0L), "tcp", state);
        }
    }
}
