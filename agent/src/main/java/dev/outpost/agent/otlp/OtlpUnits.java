package dev.outpost.agent.otlp;

import java.util.Map;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * Maps Micrometer base units to the UCUM units OpenTelemetry uses: "seconds" to "s", "bytes" to "By", none to
 * "1" (ratios and plain counts); other plain words become annotations ("threads" to "{threads}"); units already
 * in OpenTelemetry form pass through.
 */
final class OtlpUnits {
    private static final Map<String, String> MICROMETER = Map.of("seconds", "s", "milliseconds", "ms",
            "microseconds", "us", "nanoseconds", "ns", "bytes", "By", "percent", "%");
    private static final Set<String> UCUM = Set.of("s", "ms", "us", "ns", "min", "h", "d", "By", "KiBy", "MiBy",
            "GiBy", "bit", "Hz", "%", "1");
    private static final Pattern WORD = Pattern.compile("[a-z][a-z_]*");

    private OtlpUnits() {
    }

    static String of(String baseUnit) {
        if (baseUnit == null || baseUnit.isBlank()) {
            return "1";
        }
        String mapped = MICROMETER.get(baseUnit);
        if (mapped != null) {
            return mapped;
        }
        if (!UCUM.contains(baseUnit) && WORD.matcher(baseUnit).matches()) {
            return "{" + baseUnit + "}";
        }
        return baseUnit;
    }
}
