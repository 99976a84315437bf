package dev.outpost.gateway.ingest;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.protobuf.CodedOutputStream;
import dev.outpost.gateway.config.IngestLimitsConfig;
import io.opentelemetry.proto.collector.metrics.v1.ExportMetricsServiceRequest;
import io.opentelemetry.proto.common.v1.AnyValue;
import io.opentelemetry.proto.common.v1.InstrumentationScope;
import io.opentelemetry.proto.common.v1.KeyValue;
import io.opentelemetry.proto.metrics.v1.ResourceMetrics;
import io.opentelemetry.proto.metrics.v1.ScopeMetrics;
import io.opentelemetry.proto.resource.v1.Resource;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import org.junit.jupiter.api.Test;

/**
 * Protobuf merges a message field that appears more than once: two {@code resource} fields of one ResourceMetrics
 * are one resource with the attributes of both. The scan must count and compare them as the parse will see them.
 */
class BatchScanTest {
    static KeyValue kv(String k, String v) {
        return KeyValue.newBuilder().setKey(k).setValue(AnyValue.newBuilder().setStringValue(v)).build();
    }

    /** A request of one ResourceMetrics whose wire form is {@code parts} one after the other (merged on parse). */
    static byte[] request(ResourceMetrics... parts) throws IOException {
        ByteArrayOutputStream rm = new ByteArrayOutputStream();
        for (ResourceMetrics p : parts) {
            p.writeTo(rm);
        }
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        CodedOutputStream o = CodedOutputStream.newInstance(out);
        o.writeByteArray(1, rm.toByteArray());
        o.flush();
        return out.toByteArray();
    }

    static ResourceMetrics resource(KeyValue... attributes) {
        Resource.Builder r = Resource.newBuilder();
        for (KeyValue kv : attributes) {
            r.addAttributes(kv);
        }
        return ResourceMetrics.newBuilder().setResource(r).build();
    }

    @Test
    void aKeyRepeatedAcrossTwoResourceFieldsIsADuplicate() throws Exception {
        byte[] body = request(resource(kv("host.name", "web-1")), resource(kv("host.name", "web-2")));
        assertEquals(2, ExportMetricsServiceRequest.parseFrom(body).getResourceMetrics(0).getResource()
                .getAttributesCount(), "protobuf merges the two");
        assertTrue(new BatchScan(IngestLimitsConfig.defaults()).scan(body).duplicateKeys());
        OtlpBodyHarness.run(body); // resolved before the sinks see it
    }

    @Test
    void attributesOfRepeatedResourceFieldsCountTogether() throws Exception {
        int max = IngestLimitsConfig.defaults().maxAttributes();
        KeyValue[] half = new KeyValue[max / 2 + 1];
        KeyValue[] other = new KeyValue[max / 2 + 1];
        for (int i = 0; i < half.length; i++) {
            half[i] = kv("a" + i, "x");
            other[i] = kv("b" + i, "x");
        }
        byte[] body = request(resource(half), resource(other));
        BatchScan.RefusedException e = assertThrows(BatchScan.RefusedException.class,
                () -> new BatchScan(IngestLimitsConfig.defaults()).scan(body));
        assertEquals("a resource has more than " + max + " attributes", e.getMessage());
        assertTrue(e.tooLarge());
    }

    @Test
    void anAttributeValueOverTheBoundIsRefusedWithItsSizeAndTheBound() throws Exception {
        int max = IngestLimitsConfig.defaults().maxAttributeValueBytes();
        BatchScan scan = new BatchScan(IngestLimitsConfig.defaults());
        scan.scan(request(resource(kv("host.name", "x".repeat(max)))));
        BatchScan.RefusedException e = assertThrows(BatchScan.RefusedException.class,
                () -> scan.scan(request(resource(kv("host.name", "x".repeat(max + 1))))));
        assertEquals("a resource attribute value is " + (max + 1) + " bytes, more than " + max, e.getMessage());
        assertTrue(e.tooLarge());
    }

    @Test
    void aKeyRepeatedAcrossTwoScopeFieldsIsADuplicate() throws Exception {
        ByteArrayOutputStream scopeMetrics = new ByteArrayOutputStream(); // one ScopeMetrics, its scope field twice
        for (String value : new String[] {"1", "2"}) {
            ScopeMetrics.newBuilder().setScope(InstrumentationScope.newBuilder().addAttributes(kv("k", value)))
                    .build().writeTo(scopeMetrics);
        }
        ByteArrayOutputStream rm = new ByteArrayOutputStream();
        CodedOutputStream o = CodedOutputStream.newInstance(rm);
        o.writeByteArray(2, scopeMetrics.toByteArray());
        o.flush();
        ByteArrayOutputStream req = new ByteArrayOutputStream();
        CodedOutputStream r = CodedOutputStream.newInstance(req);
        r.writeByteArray(1, rm.toByteArray());
        r.flush();
        byte[] body = req.toByteArray();
        assertEquals(2, ExportMetricsServiceRequest.parseFrom(body).getResourceMetrics(0).getScopeMetrics(0).getScope()
                .getAttributesCount(), "protobuf merges the two");
        assertTrue(new BatchScan(IngestLimitsConfig.defaults()).scan(body).duplicateKeys());
        OtlpBodyHarness.run(body);
    }
}
