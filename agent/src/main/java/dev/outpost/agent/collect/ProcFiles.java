package dev.outpost.agent.collect;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * Parsers for the Linux /proc files behind the memory, paging and process figures: /proc/meminfo, /proc/swaps,
 * /proc/vmstat, /proc/stat and /proc/loadavg. Pure functions over the file's lines, tested against checked-in
 * copies of those files; a figure whose line is missing reads as -1.
 */
final class ProcFiles {
    private static final List<String> VMSTAT_KEYS = List.of("pgfault", "pgmajfault", "pgpgin", "pgpgout", "pswpin",
            "pswpout");

    private ProcFiles() {
    }

    /** The lines of {@code file}, in one read. */
    static List<String> lines(Path file) {
        try {
            // Decoded leniently: an interface or device name that is not UTF-8 must not fail the collector.
            return List.of(new String(Files.readAllBytes(file), StandardCharsets.UTF_8).split("\n"));
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + file, e);
        }
    }

    /** The lines of /proc/meminfo that the memory metrics use, in bytes. */
    static HostProbe.Memory meminfo(List<String> lines) {
        long total = -1;
        long free = -1;
        long available = -1;
        long buffers = -1;
        long cached = -1;
        long reclaimable = -1;
        long unreclaimable = -1;
        for (String line : lines) {
            int colon = line.indexOf(':');
            if (colon < 0) {
                continue;
            }
            switch (line.substring(0, colon)) {
                case "MemTotal" -> total = kibibytes(line, colon);
                case "MemFree" -> free = kibibytes(line, colon);
                case "MemAvailable" -> available = kibibytes(line, colon);
                case "Buffers" -> buffers = kibibytes(line, colon);
                case "Cached" -> cached = kibibytes(line, colon);
                case "SReclaimable" -> reclaimable = kibibytes(line, colon);
                case "SUnreclaim" -> unreclaimable = kibibytes(line, colon);
                default -> {
                }
            }
        }
        return new HostProbe.Memory(total, free, available, buffers, cached, reclaimable, unreclaimable);
    }

    /** Swap devices from the lines of /proc/swaps (a header, then "name type sizeKiB usedKiB priority"). */
    static List<HostProbe.SwapDevice> swapDevices(List<String> lines) {
        List<HostProbe.SwapDevice> devices = new ArrayList<>();
        if (lines.isEmpty()) {
            return devices;
        }
        String[] header = lines.get(0).trim().split("\\s+");
        if (header.length < 4 || !header[0].equals("Filename") || !header[2].equals("Size")
                || !header[3].equals("Used")) {
            throw new IllegalStateException("unexpected /proc/swaps header: " + lines.get(0));
        }
        for (String line : lines.subList(1, lines.size())) {
            String[] fields = line.trim().split("\\s+");
            if (fields.length < 4) {
                continue;
            }
            long size = Long.parseLong(fields[2]) * 1024;
            long used = Long.parseLong(fields[3]) * 1024;
            devices.add(new HostProbe.SwapDevice(unescape(fields[0]), used, Math.max(0, size - used)));
        }
        return devices;
    }

    /** pgfault, pgmajfault, pgpgin, pgpgout, pswpin and pswpout from /proc/vmstat, with the swap devices. */
    static HostProbe.Paging paging(List<HostProbe.SwapDevice> devices, List<String> vmstat) {
        long[] v = {-1, -1, -1, -1, -1, -1};
        for (String line : vmstat) {
            int space = line.indexOf(' ');
            int index = space < 0 ? -1 : VMSTAT_KEYS.indexOf(line.substring(0, space));
            if (index >= 0) {
                v[index] = Long.parseLong(line.substring(space + 1).trim());
            }
        }
        return new HostProbe.Paging(devices, v[0], v[1], v[2], v[3], v[4], v[5]);
    }

    /**
     * procs_running, procs_blocked and processes (created since boot) from /proc/stat, and the number of tasks from
     * /proc/loadavg's fourth field ("running/total").
     */
    static HostProbe.Processes processes(List<String> stat, String loadavg) {
        long running = -1;
        long blocked = -1;
        long created = -1;
        for (String line : stat) {
            if (line.startsWith("procs_running ")) {
                running = Long.parseLong(line.substring(14).trim());
            } else if (line.startsWith("procs_blocked ")) {
                blocked = Long.parseLong(line.substring(14).trim());
            } else if (line.startsWith("processes ")) {
                created = Long.parseLong(line.substring(10).trim());
            }
        }
        String[] fields = loadavg.trim().split("\\s+");
        long tasks = -1;
        if (fields.length >= 4 && fields[3].indexOf('/') > 0) {
            tasks = Long.parseLong(fields[3].substring(fields[3].indexOf('/') + 1));
        }
        return new HostProbe.Processes(tasks, running, blocked, created);
    }

    /** The per-CPU fields read from /proc/stat: user, nice, system, idle, iowait, irq, softirq, steal. */
    static final int CPU_FIELDS = 8;

    /**
     * Milliseconds per logical CPU and field ({@link #CPU_FIELDS}) from the "cpuN" lines of /proc/stat, as OSHI's
     * {@code getProcessorCpuLoadTicks} computes them (which this replaces: it split each line with a regular
     * expression): the lines in file order fill rows 0 to {@code cpus - 1} (rows without a line stay 0), a missing or
     * unparsable field reads as 0, and a line with fewer than three figures ends the parse. In clock ticks: see
     * {@link #toMillis}.
     */
    static long[][] cpuTicks(List<String> stat, int cpus) {
        long[][] ticks = new long[cpus][CPU_FIELDS];
        String[] fields = new String[CPU_FIELDS + 1];
        int cpu = 0;
        for (String line : stat) {
            if (cpu >= cpus) {
                break;
            }
            if (!line.startsWith("cpu") || line.startsWith("cpu ")) {
                continue;
            }
            int count = split(line, fields);
            if (count <= 3) {
                break;
            }
            for (int i = 0; i < CPU_FIELDS && i + 1 < count; i++) {
                ticks[cpu][i] = parseLongOrZero(fields[i + 1]);
            }
            cpu++;
        }
        return ticks;
    }

    /** Clock ticks ({@code hz} a second) to milliseconds as OSHI converts them: {@code ticks * 1000 / hz}. */
    static long[][] toMillis(long[][] ticks, long hz) {
        for (long[] row : ticks) {
            for (int i = 0; i < row.length; i++) {
                row[i] = row[i] * 1000L / hz;
            }
        }
        return ticks;
    }

    /** /proc/diskstats counts 512-byte sectors whatever the device's sector size. */
    static final long SECTOR_BYTES = 512;
    /** Fields of a /proc/diskstats line used: major, minor, name, then 11 counters (reads ... weighted I/O ms). */
    private static final int DISKSTATS_FIELDS = 14;

    /**
     * The counters of {@code devices} (names like "sda"), in that order, from the lines of /proc/diskstats; a device
     * without a line is left out. Fields are split on whitespace; a missing or unparsable counter reads as 0 (as
     * OSHI's parser, which this replaces, read them). Only the lines of the devices asked for are parsed.
     */
    static List<HostProbe.Disk> diskStats(List<String> lines, List<String> devices) {
        HostProbe.Disk[] found = new HostProbe.Disk[devices.size()];
        String[] fields = new String[DISKSTATS_FIELDS];
        for (String line : lines) {
            int count = split(line, fields);
            if (count < 3) {
                continue;
            }
            int index = devices.indexOf(fields[2]);
            if (index < 0) {
                continue;
            }
            long[] v = new long[DISKSTATS_FIELDS];
            for (int i = 3; i < count; i++) {
                v[i] = parseLongOrZero(fields[i]);
            }
            found[index] = new HostProbe.Disk(fields[2], v[3], v[4], v[5] * SECTOR_BYTES, v[6], v[7], v[8],
                    v[9] * SECTOR_BYTES, v[10], v[11], v[12], v[13]);
        }
        List<HostProbe.Disk> disks = new ArrayList<>(found.length);
        for (HostProbe.Disk d : found) {
            if (d != null) {
                disks.add(d);
            }
        }
        return disks;
    }

    /** Splits {@code line} on whitespace into {@code fields} (up to its length); returns how many were found. */
    private static int split(String line, String[] fields) {
        int count = 0;
        int length = line.length();
        int i = 0;
        while (count < fields.length) {
            while (i < length && isSpace(line.charAt(i))) {
                i++;
            }
            if (i == length) {
                break;
            }
            int start = i;
            while (i < length && !isSpace(line.charAt(i))) {
                i++;
            }
            fields[count++] = line.substring(start, i);
        }
        return count;
    }

    /** The characters of the regular expression class {@code \s}. */
    private static boolean isSpace(char c) {
        return c == ' ' || c == '\t' || c == '\n' || c == '\u000B' || c == '\f' || c == '\r';
    }

    private static long parseLongOrZero(String field) {
        try {
            return Long.parseLong(field);
        } catch (NumberFormatException e) {
            return 0;
        }
    }

    /** The boot time in seconds since the epoch from /proc/stat's btime line; 0 when missing. */
    static long bootTime(List<String> stat) {
        for (String line : stat) {
            if (line.startsWith("btime ")) {
                return Long.parseLong(line.substring(6).trim());
            }
        }
        return 0;
    }

    private static long kibibytes(String line, int colon) {
        String value = line.substring(colon + 1).trim();
        int space = value.indexOf(' ');
        long amount = Long.parseLong(space < 0 ? value : value.substring(0, space));
        return value.endsWith("kB") ? amount * 1024 : amount;
    }

    /** The kernel writes spaces and other odd characters in paths as octal escapes ("\040"). */
    static String unescape(String field) {
        if (field.indexOf('\\') < 0) {
            return field;
        }
        StringBuilder out = new StringBuilder();
        for (int i = 0; i < field.length(); i++) {
            char c = field.charAt(i);
            if (c == '\\' && i + 3 < field.length() && field.substring(i + 1, i + 4).matches("[0-7]{3}")) {
                out.append((char) Integer.parseInt(field.substring(i + 1, i + 4), 8));
                i += 3;
            } else {
                out.append(c);
            }
        }
        return out.toString();
    }
}
