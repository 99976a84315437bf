package dev.outpost.agent.collect;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * Parsers for the few Linux /proc files whose figures OSHI does not expose: the memory breakdown of
 * /proc/meminfo, the swap devices of /proc/swaps and the running/blocked counts of /proc/stat. Pure functions over
 * the file's lines, so they are tested against checked-in copies of those files.
 */
final class ProcFiles {
    private ProcFiles() {
    }

    /**
     * Free, buffered and cached bytes (cached counting reclaimable slab, as free(1) does) from /proc/meminfo as a
     * key-value map ("MemFree" -> "123 kB"); -1 for each when a field is missing.
     */
    static MemoryBreakdown memoryBreakdown(Map<String, String> meminfo) {
        long free = kibibytes(meminfo, "MemFree");
        long buffers = kibibytes(meminfo, "Buffers");
        long cached = kibibytes(meminfo, "Cached");
        long reclaimable = kibibytes(meminfo, "SReclaimable");
        if (free < 0 || buffers < 0 || cached < 0) {
            return new MemoryBreakdown(-1, -1, -1);
        }
        return new MemoryBreakdown(free, buffers, cached + Math.max(0, reclaimable));
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

    /** Threads running and blocked on I/O from the lines of /proc/stat; -1 for each when missing. */
    static RunQueue runQueue(List<String> lines) {
        long running = -1;
        long blocked = -1;
        for (String line : lines) {
            if (line.startsWith("procs_running ")) {
                running = Long.parseLong(line.substring(14).trim());
            } else if (line.startsWith("procs_blocked ")) {
                blocked = Long.parseLong(line.substring(14).trim());
            }
        }
        return new RunQueue(running, blocked);
    }

    record MemoryBreakdown(long free, long buffered, long cached) {
    }

    record RunQueue(long running, long blocked) {
    }

    private static long kibibytes(Map<String, String> meminfo, String key) {
        String value = meminfo.get(key);
        if (value == null) {
            return -1;
        }
        String number = value.trim().split("\\s+")[0];
        try {
            long amount = Long.parseLong(number);
            return value.trim().endsWith("kB") ? amount * 1024 : amount;
        } catch (NumberFormatException e) {
            return -1;
        }
    }

    /** The kernel writes spaces and other odd characters in paths as octal escapes ("\040"). */
    private static String unescape(String field) {
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
