package dev.outpost.gateway.sink.file;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.outpost.gateway.ca.AgentIdentity;
import dev.outpost.gateway.ingest.StampedBatch;
import io.opentelemetry.proto.collector.metrics.v1.ExportMetricsServiceRequest;
import io.opentelemetry.proto.common.v1.AnyValue;
import io.opentelemetry.proto.common.v1.KeyValue;
import io.opentelemetry.proto.metrics.v1.Gauge;
import io.opentelemetry.proto.metrics.v1.Metric;
import io.opentelemetry.proto.metrics.v1.NumberDataPoint;
import io.opentelemetry.proto.metrics.v1.ResourceMetrics;
import io.opentelemetry.proto.metrics.v1.ScopeMetrics;
import io.opentelemetry.proto.resource.v1.Resource;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * Every line names its host, so a huge host.name under many small metrics was written once per metric: a request
 * of a few KiB became megabytes on disk (the OTLP body fuzz target bounds what a sink writes per decoded byte).
 */
class NdjsonExpansionTest {
    static final AgentIdentity ACME = new AgentIdentity("acme", "a-3f9a0c1b2d4e5f60");
    static final long T = 1_795_000_000_123_000_000L;

    static StampedBatch batch(String host, int metrics, boolean withPoints) {
        ScopeMetrics.Builder scope = ScopeMetrics.newBuilder();
        for (int i = 0; i < metrics; i++) {
            Gauge.Builder g = Gauge.newBuilder();
            if (withPoints) {
                g.addDataPoints(NumberDataPoint.newBuilder().setTimeUnixNano(T).setAsInt(i));
            }
            scope.addMetrics(Metric.newBuilder().setName("m").setGauge(g));
        }
        ExportMetricsServiceRequest req = ExportMetricsServiceRequest.newBuilder().addResourceMetrics(ResourceMetrics
                .newBuilder().setResource(Resource.newBuilder().addAttributes(KeyValue.newBuilder().setKey("host.name")
                        .setValue(AnyValue.newBuilder().setStringValue(host)))).addScopeMetrics(scope)).build();
        return new StampedBatch(ACME, null, "", req, withPoints ? metrics : 0, T, req.getSerializedSize());
    }

    static String render(StampedBatch b) throws Exception {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        NdjsonRendering.render(List.of(b), out);
        return out.toString(StandardCharsets.UTF_8);
    }

    @Test
    void aMetricWithoutDataPointsWritesNoLine() throws Exception {
        String text = render(batch("web-1", 1000, false));
        assertEquals(1, text.lines().count(), "the resource line only: " + text.lines().limit(3).toList());
    }

    @Test
    void aHugeHostNameIsWrittenOnceInFullAndShortOnEveryMetricLine() throws Exception {
        String host = "\u0001".repeat(4000);
        StampedBatch b = batch(host, 1000, true);
        String text = render(b);
        assertTrue(text.length() <= 64L * b.decodedBytes() + 64 * 1024, text.length() + " bytes of NDJSON from "
                + b.decodedBytes());
        List<String> lines = text.lines().toList();
        assertEquals(1001, lines.size());
        assertTrue(lines.get(0).contains("\"host\":\"" + "\\u0001".repeat(4000) + "\""), "the resource line in full");
        assertTrue(lines.get(1).contains("\"host\":\"" + "\\u0001".repeat(NdjsonWriter.MAX_HOST_CHARS) + "…\""),
                lines.get(1).substring(0, 200));
        String normal = render(batch("web-1.example.com", 3, true));
        assertTrue(normal.lines().allMatch(l -> l.contains("\"host\":\"web-1.example.com\"")), normal);
    }

    @Test
    void aLongHostNameIsNotCutInsideACharacterOutsideTheBasicPlane() throws Exception {
        // 252 ASCII characters, then "😀" (a surrogate pair) across the cut at 253: cut before it, not through it (a
        // line had a lone "\\uD83D" that JSON parsers refuse).
        String host = "h".repeat(NdjsonWriter.MAX_HOST_CHARS - 1) + "\uD83D\uDE00".repeat(10);
        List<String> lines = render(batch(host, 2, true)).lines().toList();
        assertEquals(3, lines.size());
        String whole = "h".repeat(NdjsonWriter.MAX_HOST_CHARS - 1) + "\\uD83D\\uDE00".repeat(10);
        assertTrue(lines.get(0).contains("\"host\":\"" + whole + "\""), "the resource line in full: " + lines.get(0));
        for (String line : lines.subList(1, 3)) {
            assertTrue(line.contains("\"host\":\"" + "h".repeat(NdjsonWriter.MAX_HOST_CHARS - 1) + "…\""), line);
        }
    }
}
