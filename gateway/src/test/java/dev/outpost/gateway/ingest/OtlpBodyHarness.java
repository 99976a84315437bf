package dev.outpost.gateway.ingest;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import com.google.protobuf.CodedInputStream;
import com.google.protobuf.InvalidProtocolBufferException;
import dev.outpost.gateway.ca.AgentIdentity;
import dev.outpost.gateway.config.IngestLimitsConfig;
import dev.outpost.gateway.sink.file.NdjsonRendering;
import dev.outpost.gateway.sink.prometheus.RemoteWriteRendering;
import dev.outpost.wire.WireNames;
import io.netty.buffer.Unpooled;
import io.opentelemetry.proto.collector.metrics.v1.ExportMetricsServiceRequest;
import io.opentelemetry.proto.common.v1.KeyValue;
import io.opentelemetry.proto.metrics.v1.Metric;
import io.opentelemetry.proto.metrics.v1.ResourceMetrics;
import io.opentelemetry.proto.metrics.v1.ScopeMetrics;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * One OTLP request body through what {@link IngestHandler} does with it — gunzip within its bound, the wire-form
 * scan, the protobuf parse, duplicate-key resolution and identity stamping — and then through both renderings of
 * the sinks (the file sink's NDJSON, the remote write series), checking what each step promises, not only that
 * nothing throws. A body starting with the gzip magic is sent as {@code Content-Encoding: gzip}.
 */
final class OtlpBodyHarness {
    /** Smaller than the default {@code ingest.max_decoded_bytes} (8 MiB), so that a fuzzer reaches it. */
    static final int MAX_DECODED = 1 << 20;
    static final IngestLimitsConfig LIMITS = IngestLimitsConfig.defaults();
    static final AgentIdentity ID = new AgentIdentity("acme", "a-00000000000000aa");
    /** Expansion allowed from the decoded body to what a sink holds or writes for it: bytes per byte, plus a constant. */
    static final int MAX_EXPANSION = 64;
    static final int EXPANSION_SLACK = 64 * 1024;
    private static final BatchScan SCAN = new BatchScan(LIMITS);
    private static final JsonFactory JSON = new JsonFactory().enable(JsonParser.Feature.STRICT_DUPLICATE_DETECTION);

    private OtlpBodyHarness() {
    }

    static void run(byte[] body) throws IOException {
        boolean gzip = body.length >= 2 && body[0] == 0x1f && body[1] == (byte) 0x8b;
        byte[] raw;
        try {
            raw = Gunzip.decode(Unpooled.wrappedBuffer(body), gzip ? "gzip" : null, MAX_DECODED);
        } catch (Gunzip.TooLargeException | IOException e) {
            return; // 413 or 400
        }
        check(raw.length <= MAX_DECODED, "decoded " + raw.length + " bytes past the bound " + MAX_DECODED);
        check(gzip || Arrays.equals(raw, body), "an identity body changed in decoding");
        BatchScan.Result scan;
        try {
            scan = SCAN.scan(raw);
        } catch (BatchScan.RefusedException e) {
            check(e.getMessage() != null && !e.getMessage().isEmpty() && e.getMessage().length() <= 1024,
                    "a refusal without a short message: " + e.getMessage());
            return; // 413 or 400
        }
        ExportMetricsServiceRequest batch;
        try {
            batch = ExportMetricsServiceRequest.parseFrom(raw);
        } catch (InvalidProtocolBufferException e) {
            return; // 400
        }
        Lists lists = lists(batch);
        check(lists.points <= scan.points(), "the scan counted " + scan.points() + " data points, the parse "
                + lists.points);
        check(lists.points <= LIMITS.maxPointsPerBatch(), lists.points + " data points passed the limit");
        check(scan.newestNanos() >= lists.newest, "the scan's newest time " + scan.newestNanos()
                + " is before a data point's " + lists.newest);
        for (List<KeyValue> attributes : lists.attributes) {
            check(attributes.size() <= LIMITS.maxAttributes(), "a list of " + attributes.size()
                    + " attributes passed the limit " + LIMITS.maxAttributes());
            check(scan.duplicateKeys() || !duplicates(attributes), "the scan missed a repeated attribute key");
        }
        if (scan.duplicateKeys()) {
            batch = AttributeDedupe.apply(batch);
        }
        StampedBatch stamped = new StampedBatch(ID, BatchKey.parse(ID.agentId() + ":1"), ID.agentId() + ":1",
                IdentityStamp.apply(batch, ID), scan.points(), scan.newestNanos(), raw.length);
        for (ResourceMetrics rm : stamped.request().getResourceMetricsList()) {
            List<KeyValue> resource = rm.getResource().getAttributesList();
            check(value(resource, WireNames.ATTR_ORG).equals(List.of(ID.org())), "org not stamped once: "
                    + value(resource, WireNames.ATTR_ORG));
            check(value(resource, WireNames.ATTR_AGENT).equals(List.of(ID.agentId())), "agent not stamped once");
            check(value(resource, IdentityStamp.SERVICE_INSTANCE_ID).equals(List.of(ID.agentId())),
                    "service.instance.id not stamped once");
        }
        for (List<KeyValue> attributes : lists(stamped.request()).attributes) {
            check(!duplicates(attributes), "a repeated attribute key reached the sinks");
        }
        long bound = (long) MAX_EXPANSION * raw.length + EXPANSION_SLACK;
        ndjson(stamped, bound);
        remoteWrite(stamped, bound);
    }

    /** Every line one JSON object without repeated keys, naming the certificate's org and agent; bounded in size. */
    private static void ndjson(StampedBatch stamped, long bound) throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        NdjsonRendering.render(List.of(stamped), out);
        check(out.size() <= bound, "NDJSON of " + out.size() + " bytes from a body of " + stamped.decodedBytes());
        String text = out.toString(StandardCharsets.UTF_8);
        check(text.endsWith("\n"), "NDJSON does not end in a newline");
        for (String line : text.split("\n")) {
            if (line.isEmpty()) {
                continue;
            }
            String org = null;
            String agent = null;
            try (JsonParser p = JSON.createParser(line)) {
                check(p.nextToken() == JsonToken.START_OBJECT, "an NDJSON line is not an object: " + line);
                for (JsonToken t = p.nextToken(); t != JsonToken.END_OBJECT; t = p.nextToken()) {
                    String field = p.currentName();
                    JsonToken v = p.nextToken();
                    if ("org".equals(field)) {
                        org = p.getText();
                    } else if ("agent".equals(field)) {
                        agent = p.getText();
                    } else if (v == JsonToken.START_OBJECT || v == JsonToken.START_ARRAY) {
                        p.skipChildren();
                    }
                }
                check(p.nextToken() == null, "more than one JSON value on a line: " + line);
            }
            check(ID.org().equals(org) && ID.agentId().equals(agent), "a line names org " + org + ", agent " + agent);
        }
    }

    /** Every series has sorted, unique, non-empty label names, a name, and the certificate's org and agent. */
    private static void remoteWrite(StampedBatch stamped, long bound) throws IOException {
        RemoteWriteRendering.Result r = RemoteWriteRendering.translate(stamped);
        long bytes = 0;
        for (byte[] series : r.series()) {
            bytes += series.length;
            check(bytes <= Math.min(bound, RemoteWriteRendering.budget(stamped.decodedBytes())),
                    "remote write series past " + bytes + " bytes from a body of " + stamped.decodedBytes());
            List<String> names = new ArrayList<>();
            List<String> values = new ArrayList<>();
            CodedInputStream in = CodedInputStream.newInstance(series);
            for (int tag = in.readTag(); tag != 0; tag = in.readTag()) {
                if (tag == 0x0a) {
                    CodedInputStream label = CodedInputStream.newInstance(in.readByteArray());
                    String name = null;
                    String value = null;
                    for (int t = label.readTag(); t != 0; t = label.readTag()) {
                        if (t == 0x0a) {
                            name = label.readStringRequireUtf8();
                        } else if (t == 0x12) {
                            value = label.readStringRequireUtf8();
                        } else {
                            label.skipField(t);
                        }
                    }
                    check(name != null && !name.isEmpty() && value != null && !value.isEmpty(),
                            "a label without name or value: " + name + "=" + value);
                    check(names.isEmpty() || names.get(names.size() - 1).compareTo(name) < 0,
                            "labels not sorted and unique: " + names + " then " + name);
                    names.add(name);
                    values.add(value);
                } else {
                    in.skipField(tag);
                }
            }
            check(names.contains("__name__"), "a series without __name__: " + names);
            check(ID.org().equals(values.get(names.indexOf("outpost_org")))
                    && ID.agentId().equals(values.get(names.indexOf("outpost_agent"))),
                    "a series without the certificate's org and agent: " + names + values);
        }
    }

    /** The attribute lists a sink writes (resource, scope, data points), the data points and their newest time. */
    record Lists(List<List<KeyValue>> attributes, int points, long newest) {
    }

    static Lists lists(ExportMetricsServiceRequest req) {
        List<List<KeyValue>> out = new ArrayList<>();
        int points = 0;
        long newest = 0;
        for (ResourceMetrics rm : req.getResourceMetricsList()) {
            out.add(rm.getResource().getAttributesList());
            for (ScopeMetrics sm : rm.getScopeMetricsList()) {
                out.add(sm.getScope().getAttributesList());
                for (Metric m : sm.getMetricsList()) {
                    List<? extends com.google.protobuf.MessageOrBuilder> ps = switch (m.getDataCase()) {
                        case GAUGE -> m.getGauge().getDataPointsList();
                        case SUM -> m.getSum().getDataPointsList();
                        case HISTOGRAM -> m.getHistogram().getDataPointsList();
                        case EXPONENTIAL_HISTOGRAM -> m.getExponentialHistogram().getDataPointsList();
                        case SUMMARY -> m.getSummary().getDataPointsList();
                        case DATA_NOT_SET -> List.of();
                    };
                    for (var p : ps) {
                        points++;
                        var fields = p.getDescriptorForType();
                        newest = Math.max(newest, (Long) p.getField(fields.findFieldByName("time_unix_nano")));
                        @SuppressWarnings("unchecked")
                        List<KeyValue> attributes = (List<KeyValue>) p.getField(fields.findFieldByName("attributes"));
                        out.add(attributes);
                    }
                }
            }
        }
        return new Lists(out, points, newest);
    }

    static boolean duplicates(List<KeyValue> attributes) {
        Set<String> keys = new HashSet<>();
        for (KeyValue kv : attributes) {
            if (!keys.add(kv.getKey())) {
                return true;
            }
        }
        return false;
    }

    private static List<String> value(List<KeyValue> attributes, String key) {
        List<String> out = new ArrayList<>();
        for (KeyValue kv : attributes) {
            if (kv.getKey().equals(key)) {
                out.add(kv.getValue().getStringValue());
            }
        }
        return out;
    }

    private static void check(boolean ok, String what) {
        if (!ok) {
            throw new AssertionError(what);
        }
    }
}
