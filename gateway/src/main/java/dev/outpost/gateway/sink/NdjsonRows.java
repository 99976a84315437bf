package dev.outpost.gateway.sink;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import dev.outpost.gateway.ca.AgentIdentity;
import io.opentelemetry.proto.collector.metrics.v1.ExportMetricsServiceRequest;
import io.opentelemetry.proto.common.v1.AnyValue;
import io.opentelemetry.proto.common.v1.KeyValue;
import io.opentelemetry.proto.metrics.v1.HistogramDataPoint;
import io.opentelemetry.proto.metrics.v1.Metric;
import io.opentelemetry.proto.metrics.v1.NumberDataPoint;
import io.opentelemetry.proto.metrics.v1.ResourceMetrics;
import io.opentelemetry.proto.metrics.v1.ScopeMetrics;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.time.Instant;
import java.util.List;

/**
 * Flattens an OTLP batch into the file sink's NDJSON: one JSON object per data point with {@code time, org,
 * agent, host, metric, kind, unit, attributes, resource, batch, value} (histograms add {@code count} and {@code max}).
 * {@code resource} holds the resource attributes other than those with a column of their own (host.name, the
 * org and agent ids): the agent's labels, host.id, os.type, host.arch, service.*.
 */
final class NdjsonRows {
    /** Resource attributes written as columns of their own, not again under "resource". */
    private static final java.util.Set<String> OWN_COLUMN = java.util.Set.of("host.name",
            dev.outpost.wire.WireNames.ATTR_ORG, dev.outpost.wire.WireNames.ATTR_AGENT);
    private final JsonFactory json = new JsonFactory();

    /** Appends the rows of {@code batch} to {@code out}; returns how many were written. */
    int write(AgentIdentity id, String batchId, ExportMetricsServiceRequest batch, ByteArrayOutputStream out)
            throws IOException {
        int rows = 0;
        for (ResourceMetrics rm : batch.getResourceMetricsList()) {
            List<KeyValue> resource = rm.getResource().getAttributesList();
            for (ScopeMetrics sm : rm.getScopeMetricsList()) {
                for (Metric m : sm.getMetricsList()) {
                    rows += metric(id, batchId, resource, m, out);
                }
            }
        }
        return rows;
    }

    private int metric(AgentIdentity id, String batchId, List<KeyValue> resource, Metric m, ByteArrayOutputStream out)
            throws IOException {
        int rows = 0;
        switch (m.getDataCase()) {
            case GAUGE -> {
                for (NumberDataPoint p : m.getGauge().getDataPointsList()) {
                    rows += number(id, batchId, resource, m, "gauge", p, out);
                }
            }
            case SUM -> {
                for (NumberDataPoint p : m.getSum().getDataPointsList()) {
                    rows += number(id, batchId, resource, m, "sum", p, out);
                }
            }
            case HISTOGRAM -> {
                for (HistogramDataPoint p : m.getHistogram().getDataPointsList()) {
                    try (JsonGenerator g = start(id, batchId, resource, m, "histogram", p.getTimeUnixNano(),
                            p.getAttributesList(), out)) {
                        g.writeNumberField("value", p.getSum());
                        g.writeNumberField("count", p.getCount());
                        if (p.hasMax()) {
                            g.writeNumberField("max", p.getMax());
                        }
                        g.writeEndObject();
                    }
                    out.write('\n');
                    rows++;
                }
            }
            default -> {
                // Summaries and exponential histograms are not produced by Outpost agents; not stored.
            }
        }
        return rows;
    }

    private int number(AgentIdentity id, String batchId, List<KeyValue> resource, Metric m, String kind, NumberDataPoint p,
            ByteArrayOutputStream out) throws IOException {
        try (JsonGenerator g = start(id, batchId, resource, m, kind, p.getTimeUnixNano(), p.getAttributesList(), out)) {
            if (p.getValueCase() == NumberDataPoint.ValueCase.AS_INT) {
                g.writeNumberField("value", p.getAsInt());
            } else {
                double v = p.getAsDouble();
                if (Double.isFinite(v)) {
                    g.writeNumberField("value", v);
                } else {
                    g.writeNullField("value");
                }
            }
            g.writeEndObject();
        }
        out.write('\n');
        return 1;
    }

    private JsonGenerator start(AgentIdentity id, String batchId, List<KeyValue> resource, Metric m, String kind, long timeNanos,
            List<KeyValue> attributes, ByteArrayOutputStream out) throws IOException {
        JsonGenerator g = json.createGenerator(out);
        g.writeStartObject();
        g.writeStringField("time", Instant.ofEpochSecond(0, timeNanos).toString());
        g.writeStringField("org", id.org());
        g.writeStringField("agent", id.agentId());
        g.writeStringField("host", stringAttr(resource, "host.name"));
        g.writeStringField("metric", m.getName());
        g.writeStringField("kind", kind);
        g.writeStringField("unit", m.getUnit());
        g.writeObjectFieldStart("attributes");
        for (KeyValue kv : attributes) {
            g.writeStringField(kv.getKey(), text(kv.getValue()));
        }
        g.writeEndObject();
        g.writeObjectFieldStart("resource");
        for (KeyValue kv : resource) {
            if (!OWN_COLUMN.contains(kv.getKey())) {
                g.writeStringField(kv.getKey(), text(kv.getValue()));
            }
        }
        g.writeEndObject();
        g.writeStringField("batch", batchId);
        return g;
    }

    private static String stringAttr(List<KeyValue> attrs, String key) {
        for (KeyValue kv : attrs) {
            if (kv.getKey().equals(key)) {
                return text(kv.getValue());
            }
        }
        return "";
    }

    private static String text(AnyValue v) {
        return switch (v.getValueCase()) {
            case STRING_VALUE -> v.getStringValue();
            case INT_VALUE -> Long.toString(v.getIntValue());
            case DOUBLE_VALUE -> Double.toString(v.getDoubleValue());
            case BOOL_VALUE -> Boolean.toString(v.getBoolValue());
            default -> v.toString().strip();
        };
    }
}
