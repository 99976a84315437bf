package dev.outpost.agent.collect;

import com.sun.jna.Native;

/**
 * glibc's getloadavg(3), the call OSHI makes for the load averages, made through a JNA direct mapping instead of
 * OSHI's interface proxy (whose reflective dispatch and argument conversion cost more than the call itself in code run
 * once per cycle). Glibc 2.33+ computes the figures from sysinfo(2) in 1/65536ths, older ones parse /proc/loadavg: the
 * same call gives the same figures as OSHI on either. Not thread-safe: one per thread.
 */
final class LoadAverages {
    static {
        Native.register(LoadAverages.class, "c");
    }

    private static native int getloadavg(double[] loadavg, int nelem);

    private final double[] loads = new double[3];

    /** The 1, 5 and 15 minute averages; -1 each when the call gives fewer than three (as OSHI). */
    HostProbe.LoadAverage read() {
        int n = getloadavg(loads, 3);
        if (n < 3) {
            return new HostProbe.LoadAverage(-1, -1, -1);
        }
        return new HostProbe.LoadAverage(loads[0], loads[1], loads[2]);
    }
}
