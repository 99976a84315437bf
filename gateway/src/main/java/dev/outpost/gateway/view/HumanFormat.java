package dev.outpost.gateway.view;

import java.util.Locale;

/**
 * Formats bytes, rates, durations and percentages the way a person reads them (binary units, one
 * decimal, locale-independent), so that the live view is compact and stable across machines.
 */
final class HumanFormat {

    private static final String[] BINARY_UNITS = {"KiB", "MiB", "GiB", "TiB", "PiB", "EiB"};

    private HumanFormat() {
    }

    /** "512 B", "1.5 KiB", "7.7 GiB". */
    static String bytes(double bytes) {
        if (Double.isNaN(bytes) || Double.isInfinite(bytes)) {
            return "-";
        }
        double abs = Math.abs(bytes);
        if (abs < 1024) {
            return String.format(Locale.ROOT, "%d B", Math.round(bytes));
        }
        double scaled = bytes;
        int unit = -1;
        while (Math.abs(scaled) >= 1024 && unit < BINARY_UNITS.length - 1) {
            scaled /= 1024;
            unit++;
        }
        return String.format(Locale.ROOT, "%.1f %s", scaled, BINARY_UNITS[unit]);
    }

    /** "1.2 MiB/s". */
    static String rate(double bytesPerSecond) {
        return bytes(bytesPerSecond) + "/s";
    }

    /** "12.5%". */
    static String percent(double percent) {
        return String.format(Locale.ROOT, "%.1f%%", percent);
    }

    /** "3d 4h 12m", "4h 12m", "12m 5s", "5s"; negative values read as zero. */
    static String duration(long seconds) {
        long s = Math.max(0, seconds);
        long days = s / 86_400;
        long hours = s % 86_400 / 3_600;
        long minutes = s % 3_600 / 60;
        long secs = s % 60;
        if (days > 0) {
            return days + "d " + hours + "h " + minutes + "m";
        }
        if (hours > 0) {
            return hours + "h " + minutes + "m";
        }
        if (minutes > 0) {
            return minutes + "m " + secs + "s";
        }
        return secs + "s";
    }

    /** Whole numbers without decimals, others with up to three significant decimals. */
    static String number(double value) {
        if (Double.isNaN(value) || Double.isInfinite(value)) {
            return "-";
        }
        if (value == Math.rint(value) && Math.abs(value) < 1e15) {
            return Long.toString((long) value);
        }
        String text = String.format(Locale.ROOT, "%.3f", value);
        text = text.replaceAll("0+$", "");
        return text.endsWith(".") ? text.substring(0, text.length() - 1) : text;
    }

    /** Pads {@code text} with spaces on the right to {@code width} characters. */
    static String pad(String text, int width) {
        StringBuilder padded = new StringBuilder(text);
        while (padded.length() < width) {
            padded.append(' ');
        }
        return padded.toString();
    }

    /** Seconds as "0 s", "12.3 ms", "4.25 s", "3h 5m" or "-3h 5m" (e.g. an expired certificate). */
    static String seconds(double seconds) {
        double abs = Math.abs(seconds);
        if (abs == 0) {
            return "0 s";
        }
        if (abs < 1) {
            return String.format(Locale.ROOT, "%.1f ms", seconds * 1000);
        }
        if (abs < 60) {
            return String.format(Locale.ROOT, "%.2f s", seconds);
        }
        return (seconds < 0 ? "-" : "") + duration(Math.round(abs));
    }

    /**
     * Formats a value carrying an OpenTelemetry unit ("By", "s", "ms", "1"); annotations such as
     * "{batch}" only say what is counted, so the number stands alone.
     */
    static String withUnit(double value, String unit) {
        String u = unit == null ? "" : unit;
        switch (u) {
            case "By":
            case "bytes":
                return bytes(value);
            case "By/s":
                return rate(value);
            case "s":
            case "seconds":
                return seconds(value);
            case "ms":
                return number(value) + " ms";
            case "%":
                return percent(value);
            case "":
            case "1":
                return number(value);
            default:
                boolean annotation = u.startsWith("{") && u.endsWith("}");
                return annotation ? number(value) : number(value) + " " + u;
        }
    }
}
