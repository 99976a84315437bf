package dev.outpost.e2e;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.stream.Stream;

/** What /proc says about a process's sockets: which are listening (TCP LISTEN, bound UDP, accepting Unix). */
final class Sockets {
    private Sockets() {
    }

    /** One socket: its table, local and remote address as /proc writes them (hex, ip:port), state, listening. */
    record Socket(String table, String local, String remote, String state, boolean listening) {
        /** The remote port, from {@code remote}'s hex (-1 for a Unix socket). */
        int remotePort() {
            int colon = remote.lastIndexOf(':');
            return colon < 0 ? -1 : Integer.parseInt(remote.substring(colon + 1), 16);
        }
    }

    /** Every socket the process holds, with whether it listens. */
    static List<Socket> of(long pid) throws IOException {
        Set<String> inodes = new HashSet<>();
        try (Stream<Path> fds = Files.list(Path.of("/proc", Long.toString(pid), "fd"))) {
            for (Path fd : (Iterable<Path>) fds::iterator) {
                try {
                    String target = Files.readSymbolicLink(fd).toString();
                    if (target.startsWith("socket:[")) {
                        inodes.add(target.substring(8, target.length() - 1));
                    }
                } catch (IOException e) {
                    // fd closed while listing
                }
            }
        }
        List<Socket> out = new ArrayList<>();
        Path net = Path.of("/proc", Long.toString(pid), "net");
        for (String table : List.of("tcp", "tcp6", "udp", "udp6")) {
            List<String> lines = Files.readAllLines(net.resolve(table));
            for (String line : lines.subList(1, lines.size())) {
                String[] f = line.trim().split("\\s+");
                if (inodes.contains(f[9])) {
                    boolean listening = table.startsWith("udp") || f[3].equals("0A");
                    out.add(new Socket(table, f[1], f[2], f[3], listening));
                }
            }
        }
        List<String> unix = Files.readAllLines(net.resolve("unix"));
        for (String line : unix.subList(1, unix.size())) {
            String[] f = line.trim().split("\\s+");
            if (f.length > 6 && inodes.contains(f[6])) {
                boolean acceptConn = (Integer.parseInt(f[3], 16) & 0x10000) != 0;
                out.add(new Socket("unix", f.length > 7 ? f[7] : "", "", f[5], acceptConn));
            }
        }
        return out;
    }
}
