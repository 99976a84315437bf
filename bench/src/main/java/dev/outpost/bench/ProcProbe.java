package dev.outpost.bench;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * CPU (utime + stime) and RSS of some processes and all their descendants (nginx's workers, PostgreSQL's backends),
 * from /proc; alive while the first of them runs.
 */
final class ProcProbe implements FleetLoad.ServerProbe {
    private final long[] roots;
    private final int clkTck;

    ProcProbe(int clkTck, long... roots) {
        this.roots = roots;
        this.clkTck = clkTck;
    }

    private List<Long> pids() {
        List<Long> pids = new ArrayList<>();
        for (long root : roots) {
            pids.add(root);
            ProcessHandle.of(root).ifPresent(p -> p.descendants().forEach(d -> pids.add(d.pid())));
        }
        return pids;
    }

    @Override
    public double cpuMillis() {
        long ticks = 0;
        for (long p : pids()) {
            try {
                String stat = Files.readString(Path.of("/proc", Long.toString(p), "stat"));
                String[] f = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
                ticks += Long.parseLong(f[11]) + Long.parseLong(f[12]);
            } catch (IOException | RuntimeException e) {
                // gone in between
            }
        }
        return ticks * 1000.0 / clkTck;
    }

    @Override
    public long rssKib() {
        long kib = 0;
        for (long p : pids()) {
            try {
                for (String line : Files.readAllLines(Path.of("/proc", Long.toString(p), "status"),
                        StandardCharsets.US_ASCII)) {
                    if (line.startsWith("VmRSS:")) {
                        kib += Long.parseLong(line.replaceAll("[^0-9]", ""));
                    }
                }
            } catch (IOException | RuntimeException e) {
                // gone in between
            }
        }
        return kib;
    }

    @Override
    public boolean alive() {
        return roots.length > 0 && ProcessHandle.of(roots[0]).map(ProcessHandle::isAlive).orElse(false);
    }
}
