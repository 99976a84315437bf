package dev.outpost.agent.collect;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * Parsers for the Linux /proc files behind the memory, paging and process figures: /proc/meminfo, /proc/swaps,
 * /proc/vmstat, /proc/stat, /proc/loadavg and /proc/uptime. Pure functions over the file's text or lines, tested
 * against checked-in copies of those files; a figure whose line is missing reads as -1. They run once per cycle, so
 * they stay interpreted: files of figures are searched with {@link String#indexOf} (compiled early, being the
 * whole JVM's) for the lines used, rather than split into a string per line.
 */
final class ProcFiles {
    private ProcFiles() {
    }

    /**
     * Where the line of {@code text} that starts with {@code key} (a line's first characters, e.g. "pgfault ") begins;
     * -1 when no line does.
     */
    static int lineStarting(String text, String key) {
        if (text.startsWith(key)) {
            return 0;
        }
        int at = 0;
        while ((at = text.indexOf(key, at + 1)) > 0) {
            if (text.charAt(at - 1) == '\n') {
                return at;
            }
        }
        return -1;
    }

    /** The end of the line holding {@code from}: its newline, or the end of the text. */
    static int lineEnd(String text, int from) {
        int end = text.indexOf('\n', from);
        return end < 0 ? text.length() : end;
    }

    /**
     * The number after {@code key} (the first characters of a line, e.g. "pgfault ") up to the end of its line, with
     * surrounding white space ignored (as {@code Long.parseLong(rest.trim())}); {@code absent} when no line starts with
     * {@code key}.
     */
    static long numberAfter(String text, String key, long absent) {
        int start = lineStarting(text, key);
        if (start < 0) {
            return absent;
        }
        int from = start + key.length();
        int to = lineEnd(text, from);
        while (from < to && text.charAt(from) <= ' ') {
            from++;
        }
        while (to > from && text.charAt(to - 1) <= ' ') {
            to--;
        }
        return Long.parseLong(text, from, to, 10);
    }

    /** The lines of /proc/meminfo that the memory metrics use, in bytes (-1 for a missing line). */
    static HostProbe.Memory meminfo(String meminfo) {
        return new HostProbe.Memory(kibibytes(meminfo, "MemTotal:"), kibibytes(meminfo, "MemFree:"),
                kibibytes(meminfo, "MemAvailable:"), kibibytes(meminfo, "Buffers:"), kibibytes(meminfo, "Cached:"),
                kibibytes(meminfo, "SReclaimable:"), kibibytes(meminfo, "SUnreclaim:"));
    }

    /** Swap devices from the lines of /proc/swaps (a header, then "name type sizeKiB usedKiB priority"). */
    static List<HostProbe.SwapDevice> swapDevices(List<String> lines) {
        List<HostProbe.SwapDevice> devices = new ArrayList<>();
        if (lines.isEmpty()) {
            return devices;
        }
        String[] header = new String[4];
        if (split(lines.get(0), header) < 4 || !header[0].equals("Filename") || !header[2].equals("Size")
                || !header[3].equals("Used")) {
            throw new IllegalStateException("unexpected /proc/swaps header: " + lines.get(0));
        }
        String[] fields = new String[4];
        for (String line : lines.subList(1, lines.size())) {
            if (split(line, fields) < 4) {
                continue;
            }
            long size = Long.parseLong(fields[2]) * 1024;
            long used = Long.parseLong(fields[3]) * 1024;
            devices.add(new HostProbe.SwapDevice(unescape(fields[0]), used, Math.max(0, size - used)));
        }
        return devices;
    }

    /**
     * pgfault, pgmajfault, pgpgin, pgpgout, pswpin and pswpout from the text of /proc/vmstat (each found by its line's
     * key, not by splitting its 150-odd lines), with the swap devices.
     */
    static HostProbe.Paging paging(List<HostProbe.SwapDevice> devices, String vmstat) {
        return new HostProbe.Paging(devices, numberAfter(vmstat, "pgfault ", -1), numberAfter(vmstat, "pgmajfault ", -1),
                numberAfter(vmstat, "pgpgin ", -1), numberAfter(vmstat, "pgpgout ", -1),
                numberAfter(vmstat, "pswpin ", -1), numberAfter(vmstat, "pswpout ", -1));
    }

    /**
     * procs_running, procs_blocked and processes (created since boot) from the text of /proc/stat, and the number of
     * tasks from /proc/loadavg's fourth field ("running/total").
     */
    static HostProbe.Processes processes(String stat, String loadavg) {
        long running = numberAfter(stat, "procs_running ", -1);
        long blocked = numberAfter(stat, "procs_blocked ", -1);
        long created = numberAfter(stat, "processes ", -1);
        String[] fields = new String[4];
        long tasks = -1;
        if (split(firstLine(loadavg), fields) >= 4 && fields[3].indexOf('/') > 0) {
            tasks = Long.parseLong(fields[3], fields[3].indexOf('/') + 1, fields[3].length(), 10);
        }
        return new HostProbe.Processes(tasks, running, blocked, created);
    }

    /**
     * Seconds since boot from the text of /proc/uptime, as OSHI's {@code getSystemUptime} computes them: the first
     * line's text before its first space, parsed and truncated to whole seconds; 0 when there is none or it does not
     * parse.
     */
    static double uptimeSeconds(String uptime) {
        String line = firstLine(uptime);
        int space = line.indexOf(' ');
        if (space < 0) {
            return 0;
        }
        try {
            return (long) Double.parseDouble(line.substring(0, space));
        } catch (NumberFormatException e) {
            return 0;
        }
    }

    private static String firstLine(String text) {
        int end = text.indexOf('\n');
        return end < 0 ? text : text.substring(0, end);
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
    static long[][] cpuTicks(String stat, int cpus) {
        long[][] ticks = new long[cpus][CPU_FIELDS];
        String[] fields = new String[CPU_FIELDS + 1];
        int cpu = 0;
        int start = 0;
        int length = stat.length();
        while (cpu < cpus && start < length) {
            int end = lineEnd(stat, start);
            // Only "cpuN" lines are split; the others (intr: thousands of figures) are passed over.
            if (stat.startsWith("cpu", start) && !stat.startsWith("cpu ", start)) {
                int count = split(stat.substring(start, end), fields);
                if (count <= 3) {
                    break;
                }
                for (int i = 0; i < CPU_FIELDS && i + 1 < count; i++) {
                    ticks[cpu][i] = parseLongOrZero(fields[i + 1]);
                }
                cpu++;
            }
            start = end + 1;
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
        String[] name = new String[3];
        for (String line : lines) {
            if (split(line, name) < 3 || devices.indexOf(name[2]) < 0) {
                continue; // partitions, loop devices: not split further
            }
            int count = split(line, fields);
            int index = devices.indexOf(fields[2]);
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

    /** The device names of /proc/diskstats (its third column), in the file's order; lines without one are skipped. */
    static String[] deviceColumn(List<String> lines) {
        String[] fields = new String[3];
        String[] names = new String[lines.size()];
        int count = 0;
        for (String line : lines) {
            if (split(line, fields) == 3) {
                names[count++] = fields[2];
            }
        }
        return count == names.length ? names : Arrays.copyOf(names, count);
    }

    /** Splits {@code line} on whitespace into {@code fields} (up to its length); returns how many were found. */
    static int split(String line, String[] fields) {
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
    static long bootTime(String stat) {
        return numberAfter(stat, "btime ", 0);
    }

    /** The figure of the meminfo line starting with {@code key} ("MemTotal:"), in bytes when in kB; -1 if missing. */
    private static long kibibytes(String meminfo, String key) {
        int start = lineStarting(meminfo, key);
        if (start < 0) {
            return -1;
        }
        String value = meminfo.substring(start + key.length(), lineEnd(meminfo, start)).trim();
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
