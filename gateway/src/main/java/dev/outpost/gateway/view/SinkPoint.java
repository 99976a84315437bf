package dev.outpost.gateway.view;

import java.time.Instant;
import java.util.Map;
import java.util.Objects;
import java.util.SortedMap;

/**
 * One data point as the file sink wrote it (one NDJSON line): who sent it, which series, and its
 * value. Histograms carry their sum in {@code value} plus {@code count} and {@code max}.
 */
record SinkPoint(
        Instant time,
        String org,
        String agent,
        String host,
        String metric,
        String kind,
        String unit,
        SortedMap<String, String> attributes,
        double value,
        long count,
        double max,
        String batch) {

    SinkPoint {
        Objects.requireNonNull(time, "time");
        Objects.requireNonNull(agent, "agent");
        Objects.requireNonNull(metric, "metric");
        Objects.requireNonNull(attributes, "attributes");
    }

    /** The first present attribute among {@code keys} (semantic-convention names changed over time). */
    String attribute(String... keys) {
        return firstOf(attributes, keys);
    }

    static String firstOf(Map<String, String> attributes, String... keys) {
        for (String key : keys) {
            String value = attributes.get(key);
            if (value != null) {
                return value;
            }
        }
        return null;
    }
}
