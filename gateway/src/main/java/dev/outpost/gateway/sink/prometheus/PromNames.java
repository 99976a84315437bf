package dev.outpost.gateway.sink.prometheus;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * OpenTelemetry names as Prometheus names, the way the OpenTelemetry "Prometheus and OpenMetrics compatibility"
 * specification and the Collector's Prometheus translator build them, so that queries written for the Collector's
 * output work: the name's words joined by "_", then the unit's word ({@code s} → {@code seconds}, {@code By} →
 * {@code bytes}; annotations like {@code {packets}} dropped; {@code By/s} → {@code bytes_per_second}), then
 * {@code total} for monotonic sums and {@code ratio} for gauges of unit {@code 1}. Label names have every character
 * outside {@code [A-Za-z0-9_]} replaced by "_" and a leading digit or single "_" prefixed with "key". Results are
 * cached (at most {@link #MAX_CACHED} of each).
 */
final class PromNames {
    static final int MAX_CACHED = 10_000;
    private static final Map<String, String> UNITS = Map.ofEntries(Map.entry("d", "days"), Map.entry("h", "hours"),
            Map.entry("min", "minutes"), Map.entry("s", "seconds"), Map.entry("ms", "milliseconds"),
            Map.entry("us", "microseconds"), Map.entry("ns", "nanoseconds"), Map.entry("By", "bytes"),
            Map.entry("KiBy", "kibibytes"), Map.entry("MiBy", "mebibytes"), Map.entry("GiBy", "gibibytes"),
            Map.entry("TiBy", "tibibytes"), Map.entry("KBy", "kilobytes"), Map.entry("MBy", "megabytes"),
            Map.entry("GBy", "gigabytes"), Map.entry("TBy", "terabytes"), Map.entry("m", "meters"),
            Map.entry("V", "volts"), Map.entry("A", "amperes"), Map.entry("J", "joules"), Map.entry("W", "watts"),
            Map.entry("g", "grams"), Map.entry("Cel", "celsius"), Map.entry("Hz", "hertz"), Map.entry("1", ""),
            Map.entry("%", "percent"));
    private static final Map<String, String> PER_UNITS = Map.of("s", "second", "m", "minute", "h", "hour",
            "d", "day", "w", "week", "mo", "month", "y", "year");

    /** The kinds of metric whose names differ. */
    enum Kind { GAUGE, COUNTER, OTHER }

    private final Map<String, String> metricNames = new ConcurrentHashMap<>();
    private final Map<String, String> labelNames = new ConcurrentHashMap<>();

    /** The Prometheus name of a metric (for histograms and summaries, the base of _bucket, _sum, _count). */
    String metric(String name, String unit, Kind kind) {
        String key = name + '\u0000' + unit + '\u0000' + kind;
        String cached = metricNames.get(key);
        if (cached == null) {
            cached = normalize(name, unit, kind);
            if (metricNames.size() < MAX_CACHED) {
                metricNames.put(key, cached);
            }
        }
        return cached;
    }

    /** The Prometheus name of an attribute key. */
    String label(String key) {
        String cached = labelNames.get(key);
        if (cached == null) {
            cached = sanitize(key);
            if (labelNames.size() < MAX_CACHED) {
                labelNames.put(key, cached);
            }
        }
        return cached;
    }

    static String normalize(String name, String unit, Kind kind) {
        List<String> tokens = words(name);
        String[] units = unit.split("/", 2);
        String main = units[0].strip();
        if (!main.isEmpty() && main.indexOf('{') < 0 && main.indexOf('}') < 0) {
            String word = String.join("_", words(UNITS.getOrDefault(main, main)));
            if (!word.isEmpty() && !tokens.contains(word)) {
                tokens.add(word);
            }
        }
        if (units.length > 1 && !units[1].isEmpty()) {
            String per = units[1].strip();
            if (!per.isEmpty() && per.indexOf('{') < 0 && per.indexOf('}') < 0) {
                String word = String.join("_", words(PER_UNITS.getOrDefault(per, per)));
                if (!word.isEmpty() && !tokens.contains(word)) {
                    tokens.add("per");
                    tokens.add(word);
                }
            }
        }
        if (kind == Kind.COUNTER) {
            tokens.removeIf("total"::equals);
            tokens.add("total");
        }
        if (kind == Kind.GAUGE && unit.equals("1")) {
            tokens.removeIf("ratio"::equals);
            tokens.add("ratio");
        }
        String joined = String.join("_", tokens);
        return !joined.isEmpty() && Character.isDigit(joined.charAt(0)) ? "_" + joined : joined;
    }

    /** The runs of ASCII letters and digits in {@code s}. */
    private static List<String> words(String s) {
        List<String> out = new ArrayList<>();
        int start = -1;
        for (int i = 0; i <= s.length(); i++) {
            boolean word = i < s.length() && isWordChar(s.charAt(i));
            if (word && start < 0) {
                start = i;
            } else if (!word && start >= 0) {
                out.add(s.substring(start, i));
                start = -1;
            }
        }
        return out;
    }

    private static boolean isWordChar(char c) {
        return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9';
    }

    static String sanitize(String key) {
        if (key.isEmpty()) {
            return key;
        }
        StringBuilder b = new StringBuilder(key.length() + 4);
        for (int i = 0; i < key.length(); i++) {
            char c = key.charAt(i);
            b.append(isWordChar(c) || c == '_' ? c : '_');
        }
        if (Character.isDigit(b.charAt(0))) {
            b.insert(0, "key_");
        } else if (b.charAt(0) == '_' && (b.length() < 2 || b.charAt(1) != '_')) {
            b.insert(0, "key");
        }
        return b.toString();
    }
}
