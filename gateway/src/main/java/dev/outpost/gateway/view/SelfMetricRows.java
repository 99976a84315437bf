package dev.outpost.gateway.view;

import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.stream.Collectors;

/**
 * The rows for the agent's own telemetry ({@code outpost.agent.*}: queue, drops, push latency and
 * failures, certificate expiry, collection time), which travels in the same batches because the
 * agent has no port to scrape. The per-collector series fold into one "collectors" row; at most
 * {@link #SHOWN} rows, sorted by name.
 */
final class SelfMetricRows {

    static final String PREFIX = "outpost.agent.";
    static final int SHOWN = 12;
    private static final String SUCCESS = PREFIX + "collector.success";
    private static final String DURATION = PREFIX + "collector.duration";
    private static final String LAST_SUCCESS = PREFIX + "push.last_success.age";
    private static final String NEXT_RENEWAL = PREFIX + "certificate.renewal.due_in";

    private final TreeMap<String, String> entries = new TreeMap<>();

    SelfMetricRows(Collection<Series> series) {
        if (series == null) {
            throw new IllegalArgumentException("series must not be null");
        }
        int collectors = 0;
        TreeSet<String> failing = new TreeSet<>();
        SinkPoint slowest = null;
        for (Series s : series) {
            SinkPoint point = s.latest();
            String metric = point.metric();
            if (metric.equals(SUCCESS)) {
                collectors++;
                if (point.value() < 1) {
                    failing.add(String.valueOf(point.attributes().get("collector")));
                }
            } else if (metric.equals(DURATION)) {
                slowest = slowest == null || mean(point) > mean(slowest) ? point : slowest;
            } else if (metric.startsWith(PREFIX)) {
                entries.put(name(point), value(point));
            }
        }
        if (collectors > 0) {
            StringBuilder text = new StringBuilder().append(collectors - failing.size()).append('/')
                    .append(collectors).append(" ok");
            if (!failing.isEmpty()) {
                text.append("; failing: ").append(String.join(", ", failing));
            }
            if (slowest != null) {
                text.append("; slowest ").append(slowest.attributes().get("collector")).append(' ')
                        .append(HumanFormat.withUnit(mean(slowest), slowest.unit()));
            }
            entries.put("collectors", text.toString());
        }
    }

    List<Row> rows() {
        List<Map.Entry<String, String>> shown = entries.entrySet().stream().limit(SHOWN).toList();
        int width = shown.stream().mapToInt(e -> e.getKey().length()).max().orElse(0);
        List<Row> rows = new ArrayList<>();
        for (Map.Entry<String, String> entry : shown) {
            String label = rows.isEmpty() ? "agent" : "";
            rows.add(new Row(label, HumanFormat.pad(entry.getKey(), width) + "  " + entry.getValue()));
        }
        if (entries.size() > SHOWN) {
            rows.add(new Row("", "(+" + (entries.size() - SHOWN) + " more)"));
        }
        return rows;
    }

    private static String name(SinkPoint point) {
        String name = point.metric().substring(PREFIX.length());
        Map<String, String> attributes = point.attributes();
        if (attributes.isEmpty()) {
            return name;
        }
        return name + attributes.entrySet().stream()
                .map(e -> e.getKey() + "=" + e.getValue())
                .collect(Collectors.joining(",", "{", "}"));
    }

    /** A histogram's mean (its value is the sum), or a gauge's value. */
    private static double mean(SinkPoint point) {
        return "histogram".equals(point.kind()) ? point.count() > 0 ? point.value() / point.count() : 0
                : point.value();
    }

    private static String value(SinkPoint point) {
        if (point.metric().equals(LAST_SUCCESS)) {
            return HumanFormat.duration((long) point.value()) + " before this batch";
        }
        if (point.metric().equals(NEXT_RENEWAL)) {
            long after = (long) point.value();
            return after > 0 ? "in " + HumanFormat.duration(after) + " from this batch" : "due";
        }
        if (!"histogram".equals(point.kind())) {
            return HumanFormat.withUnit(point.value(), point.unit());
        }
        StringBuilder text = new StringBuilder();
        text.append("count ").append(point.count() < 0 ? "-" : Long.toString(point.count()));
        if (point.count() > 0) {
            text.append(", mean ").append(HumanFormat.withUnit(point.value() / point.count(), point.unit()));
        }
        if (!Double.isNaN(point.max())) {
            text.append(", max ").append(HumanFormat.withUnit(point.max(), point.unit()));
        }
        return text.toString();
    }
}
