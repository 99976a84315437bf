package dev.outpost.gateway.sink.prometheus;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.protobuf.CodedInputStream;
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
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** What the fuzz target of the OTLP body path found in the remote write translation (OtlpBodyFuzzTest). */
class RemoteWriteTranslatorTest {
    static final AgentIdentity ACME = new AgentIdentity("acme", "a-3f9a0c1b2d4e5f60");
    static final long T = 1_795_000_000_123_000_000L;

    static StampedBatch batch(Metric m) {
        ExportMetricsServiceRequest req = ExportMetricsServiceRequest.newBuilder().addResourceMetrics(
                ResourceMetrics.newBuilder().addScopeMetrics(ScopeMetrics.newBuilder().addMetrics(m))).build();
        return new StampedBatch(ACME, null, "", req, 2, T, req.getSerializedSize());
    }

    static Metric gauge(String name, KeyValue attribute) {
        NumberDataPoint p = NumberDataPoint.newBuilder().setTimeUnixNano(T).setAsDouble(1).addAttributes(attribute)
                .build();
        return Metric.newBuilder().setName(name).setGauge(Gauge.newBuilder().addDataPoints(p).addDataPoints(p))
                .build();
    }

    static KeyValue kv(String k, String v) {
        return KeyValue.newBuilder().setKey(k).setValue(AnyValue.newBuilder().setStringValue(v)).build();
    }

    /** The label names of one encoded TimeSeries, in order. */
    static List<String> names(byte[] series) throws IOException {
        List<String> names = new ArrayList<>();
        CodedInputStream in = CodedInputStream.newInstance(series);
        for (int tag = in.readTag(); tag != 0; tag = in.readTag()) {
            if (tag == 0x0a) {
                CodedInputStream label = CodedInputStream.newInstance(in.readByteArray());
                label.readTag();
                names.add(label.readString());
            } else {
                in.skipField(tag);
            }
        }
        return names;
    }

    @Test
    void aMetricWhoseNameHasNoLetterOrDigitIsRefusedNotSentWithoutName() {
        RemoteWriteRendering.Result r = RemoteWriteRendering.translate(batch(gauge("..", kv("cpu", "0"))));
        assertEquals(List.of(), r.series(), "no series without __name__, which the store refuses with its request");
        assertEquals(2, r.refusedPoints());
    }

    @Test
    void anAttributeWithAnEmptyKeyIsNotALabelWithAnEmptyName() throws IOException {
        RemoteWriteRendering.Result r = RemoteWriteRendering.translate(batch(gauge("system.cpu.time",
                kv("", "receive"))));
        assertEquals(2, r.series().size());
        for (byte[] series : r.series()) {
            List<String> names = names(series);
            assertTrue(!names.contains("") && names.contains("__name__"), names.toString());
        }
        assertEquals(0, r.refusedPoints());
    }
}
