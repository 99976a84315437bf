package dev.outpost.agent.collect;

import java.io.IOException;
import java.io.InputStream;
import java.util.ArrayList;
import java.util.List;

/**
 * Parsers for /proc/net/dev (traffic per interface) and /proc/net/tcp, /proc/net/tcp6 (sockets per TCP state).
 * Pure functions, tested against checked-in copies of those files. The TCP tables can hold many thousands of lines
 * on a busy server, so they are scanned as bytes without making a string per line.
 */
final class ProcNet {
    /**
     * The TCP state names the OpenTelemetry Collector's network scraper reports on Linux, each every time (zero
     * included). The kernel's FIN_WAIT1 and FIN_WAIT2 count under FIN_WAIT_1 and FIN_WAIT_2, NEW_SYN_RECV under
     * SYN_RECV; DELETE never occurs on Linux and stays zero.
     */
    static final List<String> TCP_STATES = List.of("CLOSE_WAIT", "CLOSE", "CLOSING", "DELETE", "ESTABLISHED",
            "FIN_WAIT_1", "FIN_WAIT_2", "LAST_ACK", "LISTEN", "SYN_SENT", "SYN_RECV", "TIME_WAIT");
    /** Index into {@link #TCP_STATES} of each kernel state code (include/net/tcp_states.h), -1 for none. */
    private static final int[] BY_CODE = {-1, 4, 9, 10, 5, 6, 11, 1, 0, 7, 8, 2, 10};

    private ProcNet() {
    }

    /** Interfaces and their receive and transmit counters from the lines of /proc/net/dev. */
    static List<HostProbe.Nic> netDev(List<String> lines) {
        List<HostProbe.Nic> nics = new ArrayList<>();
        String[] f = new String[16];
        for (String line : lines) {
            int colon = line.indexOf(':');
            if (colon < 0 || line.indexOf('|') >= 0) {
                continue;
            }
            if (ProcFiles.split(line.substring(colon + 1), f) < 16) {
                throw new IllegalStateException("unexpected /proc/net/dev line: " + line);
            }
            nics.add(new HostProbe.Nic(line.substring(0, colon).trim(), num(f[0]), num(f[1]), num(f[2]), num(f[3]),
                    num(f[8]), num(f[9]), num(f[10]), num(f[11])));
        }
        return nics;
    }

    /**
     * Adds the sockets of one TCP table to {@code counts}, indexed like {@link #TCP_STATES}: a header line, then a
     * line per socket whose fourth field is its state in hex. The table is read through {@code buffer} a piece at a
     * time, so memory stays bounded however many sockets the host has.
     *
     * @throws IllegalStateException when a line is longer than {@code buffer} or has no hex state
     */
    static void countTcpStates(InputStream in, byte[] buffer, long[] counts) throws IOException {
        int filled = 0;
        boolean header = true;
        while (true) {
            int read = in.read(buffer, filled, buffer.length - filled);
            if (read > 0) {
                filled += read;
            }
            int lineStart = 0;
            for (int i = 0; i < filled; i++) {
                if (buffer[i] == '\n') {
                    if (!header) {
                        countLine(buffer, lineStart, i, counts);
                    }
                    header = false;
                    lineStart = i + 1;
                }
            }
            if (read < 0) {
                if (lineStart < filled && !header) {
                    countLine(buffer, lineStart, filled, counts);
                }
                return;
            }
            if (lineStart == 0 && filled == buffer.length) {
                throw new IllegalStateException("a TCP table line longer than " + buffer.length + " bytes");
            }
            System.arraycopy(buffer, lineStart, buffer, 0, filled - lineStart);
            filled -= lineStart;
        }
    }

    private static void countLine(byte[] line, int from, int to, long[] counts) {
        int field = 0;
        boolean inField = false;
        for (int i = from; i < to; i++) {
            boolean space = line[i] == ' ';
            if (!space && !inField && ++field == 4) {
                int state = i + 1 < to ? hex(line[i]) * 16 + hex(line[i + 1]) : -1;
                if (state < 0) {
                    throw new IllegalStateException("a TCP table line without a hex state in its fourth field");
                }
                countState(state, counts);
                return;
            }
            inField = !space;
        }
        if (field > 0) {
            throw new IllegalStateException("a TCP table line with fewer than 4 fields");
        }
    }

    /** Counts one socket in kernel state {@code code} (include/net/tcp_states.h) into {@code counts}. */
    static void countState(int code, long[] counts) {
        // A state a newer kernel may add is not one the conventions name: left out, not a failure.
        if (code < BY_CODE.length && BY_CODE[code] >= 0) {
            counts[BY_CODE[code]]++;
        }
    }

    private static int hex(byte b) {
        int v = Character.digit(b, 16);
        return v < 0 ? -1000 : v;
    }

    private static long num(String s) {
        return Long.parseLong(s);
    }
}
