package dev.outpost.agent;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * The pinned metric definitions of src/test/resources/hostmetrics/: the OpenTelemetry Collector hostmetrics
 * scrapers' (transcribed from their metadata.yaml) and the agent's own, read into one map by metric name.
 */
final class HostMetricsDefinitions {
    /** The receiver's scrapers whose default metrics the agent must send (and the system scraper's uptime). */
    static final List<String> SCRAPERS = List.of("cpu", "load", "memory", "paging", "disk", "filesystem", "network",
            "processes", "system");
    static final String AGENT = "outpost-agent";

    /** One attribute: its allowed values, empty when any string goes. */
    record Attribute(String name, String description, List<String> values) {
    }

    /**
     * One metric definition.
     *
     * @param instrument "sum", "gauge" or "histogram"
     * @param monotonic for sums; null otherwise
     * @param temporality "cumulative" for sums and histograms; null for gauges
     * @param bounds a histogram's bucket boundaries; empty otherwise
     */
    record Definition(String scraper, String name, boolean enabled, String description, String unit,
            String instrument, String valueType, Boolean monotonic, String temporality, List<Attribute> attributes,
            List<Double> bounds) {
    }

    private HostMetricsDefinitions() {
    }

    /** Every definition of every file, by metric name. */
    static Map<String, Definition> load() {
        Map<String, Definition> all = new LinkedHashMap<>();
        List<String> files = new ArrayList<>(SCRAPERS);
        files.add(AGENT);
        for (String file : files) {
            for (Definition d : read(file)) {
                if (all.put(d.name(), d) != null) {
                    throw new IllegalStateException(d.name() + " is defined twice");
                }
            }
        }
        return all;
    }

    private static List<Definition> read(String file) {
        String resource = "/hostmetrics/" + file + ".yaml";
        JsonNode root;
        try (InputStream in = Objects.requireNonNull(HostMetricsDefinitions.class.getResourceAsStream(resource),
                resource)) {
            root = new ObjectMapper(new YAMLFactory()).readTree(in);
        } catch (IOException e) {
            throw new UncheckedIOException(resource, e);
        }
        if (!file.equals(root.path("scraper").asText())) {
            throw new IllegalStateException(resource + " names scraper " + root.path("scraper"));
        }
        List<Definition> defs = new ArrayList<>();
        for (Iterator<Map.Entry<String, JsonNode>> it = root.path("metrics").fields(); it.hasNext();) {
            Map.Entry<String, JsonNode> e = it.next();
            JsonNode m = e.getValue();
            String instrument = m.has("sum") ? "sum" : m.has("gauge") ? "gauge" : m.has("histogram") ? "histogram"
                    : null;
            if (instrument == null) {
                throw new IllegalStateException(resource + ": " + e.getKey() + " is neither sum, gauge nor histogram");
            }
            JsonNode data = m.path(instrument);
            List<Attribute> attributes = new ArrayList<>();
            for (JsonNode key : m.path("attributes")) {
                JsonNode a = root.path("attributes").path(key.asText());
                if (a.isMissingNode()) {
                    throw new IllegalStateException(resource + ": " + e.getKey() + " uses undefined attribute " + key);
                }
                List<String> values = new ArrayList<>();
                a.path("enum").forEach(v -> values.add(v.asText()));
                attributes.add(new Attribute(key.asText(), a.path("description").asText(), values));
            }
            List<Double> bounds = new ArrayList<>();
            data.path("bucket_boundaries").forEach(b -> bounds.add(b.asDouble()));
            defs.add(new Definition(file, e.getKey(), m.path("enabled").asBoolean(), m.path("description").asText(),
                    m.path("unit").asText(), instrument, data.path("value_type").asText(),
                    data.has("monotonic") ? data.path("monotonic").asBoolean() : null,
                    data.has("aggregation_temporality") ? data.path("aggregation_temporality").asText() : null,
                    attributes, bounds));
        }
        return defs;
    }
}
