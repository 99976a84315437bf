package dev.outpost.agent.collect;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import oshi.hardware.HardwareAbstractionLayer;
import oshi.hardware.NetworkIF;

/**
 * The network interfaces (loopback included), from OSHI objects kept between cycles. OSHI lists the interfaces
 * that have an address, so the list is rebuilt only when an interface or an address comes or goes: when the
 * interface directory, the IPv6 address table or the IPv4 route table changes. Otherwise each interface just
 * re-reads its counters.
 */
final class OshiNetworkInterfaces {
    private final HardwareAbstractionLayer hardware;
    private final ChangeWatch interfaces;
    private List<NetworkIF> nics = List.of();

    OshiNetworkInterfaces(HardwareAbstractionLayer hardware, Path sysClassNet, Path procNet) {
        this.hardware = Objects.requireNonNull(hardware, "hardware");
        this.interfaces = new ChangeWatch(sysClassNet, procNet.resolve("if_inet6"), procNet.resolve("route"));
    }

    List<HostProbe.Nic> read() {
        boolean fresh = interfaces.changed();
        if (fresh) {
            nics = List.copyOf(hardware.getNetworkIFs(true));
        }
        List<HostProbe.Nic> result = new ArrayList<>(nics.size());
        for (NetworkIF nic : nics) {
            if (!fresh && !nic.updateAttributes()) {
                continue;
            }
            result.add(new HostProbe.Nic(nic.getName(), nic.getBytesRecv(), nic.getBytesSent(),
                    nic.getPacketsRecv(), nic.getPacketsSent(), nic.getInErrors(), nic.getOutErrors(),
                    nic.getInDrops()));
        }
        return result;
    }
}
