package dev.outpost.gateway.view;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.Collections;
import java.util.Map;
import java.util.Optional;
import java.util.SortedMap;
import java.util.TreeMap;

/**
 * Turns one NDJSON line of the file sink into a {@link SinkPoint}. Anything that is not such a
 * point (bad JSON, a missing field, a non-numeric value) yields empty so the caller can count it; a
 * null value (the sink's spelling of NaN or infinity) yields a point whose value is NaN.
 */
final class SinkLineParser {

    private final ObjectMapper mapper;

    SinkLineParser(ObjectMapper mapper) {
        if (mapper == null) {
            throw new IllegalArgumentException("mapper must not be null");
        }
        this.mapper = mapper;
    }

    Optional<SinkPoint> parse(byte[] buffer, int offset, int length) {
        JsonNode node;
        try {
            node = mapper.readTree(buffer, offset, length);
        } catch (IOException e) {
            return Optional.empty();
        }
        if (node == null || !node.isObject()) {
            return Optional.empty();
        }
        String agent = text(node, "agent");
        String metric = text(node, "metric");
        String time = text(node, "time");
        JsonNode value = node.get("value");
        if (agent == null || metric == null || time == null || value == null || !(value.isNumber() || value.isNull())) {
            return Optional.empty();
        }
        Instant instant;
        try {
            instant = Instant.parse(time);
        } catch (DateTimeParseException e) {
            return Optional.empty();
        }
        JsonNode attrs = node.get("attributes");
        if (attrs != null && !attrs.isNull() && !attrs.isObject()) {
            return Optional.empty();
        }
        JsonNode count = node.get("count");
        JsonNode max = node.get("max");
        return Optional.of(new SinkPoint(
                instant,
                orDefault(text(node, "org"), "?"),
                agent,
                orDefault(text(node, "host"), "?"),
                metric,
                orDefault(text(node, "kind"), "gauge"),
                orDefault(text(node, "unit"), ""),
                attributes(attrs),
                value.isNull() ? Double.NaN : value.asDouble(),
                count != null && count.isNumber() ? count.asLong() : -1,
                max != null && max.isNumber() ? max.asDouble() : Double.NaN,
                orDefault(text(node, "batch"), "")));
    }

    private static SortedMap<String, String> attributes(JsonNode attrs) {
        TreeMap<String, String> map = new TreeMap<>();
        if (attrs == null || attrs.isNull()) {
            return Collections.emptySortedMap();
        }
        for (Map.Entry<String, JsonNode> field : attrs.properties()) {
            JsonNode v = field.getValue();
            map.put(field.getKey(), v.isValueNode() ? v.asText() : v.toString());
        }
        return Collections.unmodifiableSortedMap(map);
    }

    private static String text(JsonNode node, String field) {
        JsonNode v = node.get(field);
        return v != null && v.isTextual() ? v.asText() : null;
    }

    private static String orDefault(String value, String fallback) {
        return value == null ? fallback : value;
    }
}
