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

    /**
     * Every data point repeats its labels on each of its series: 16 histogram points of 128 attributes of 4 KiB and
     * 500 buckets (8 MiB decoded, within ingest.limits) would become 4 GiB of series held at once. Past the batch's
     * budget, data points are refused whole, none half-sent.
     */
    @Test
    void aBatchBecomesAtMostItsBudgetOfSeriesAndPointsBeyondAreRefusedWhole() {
        io.opentelemetry.proto.metrics.v1.HistogramDataPoint.Builder p =
                io.opentelemetry.proto.metrics.v1.HistogramDataPoint.newBuilder().setTimeUnixNano(T).setCount(1);
        for (int i = 0; i < 128; i++) {
            p.addAttributes(kv("k" + i, "v".repeat(4000)));
        }
        for (int i = 0; i < 500; i++) {
            p.addExplicitBounds(i).addBucketCounts(0);
        }
        p.addBucketCounts(1);
        io.opentelemetry.proto.metrics.v1.Histogram.Builder h = io.opentelemetry.proto.metrics.v1.Histogram
                .newBuilder().setAggregationTemporality(
                        io.opentelemetry.proto.metrics.v1.AggregationTemporality.AGGREGATION_TEMPORALITY_CUMULATIVE);
        for (int i = 0; i < 16; i++) {
            h.addDataPoints(p);
        }
        Metric m = Metric.newBuilder().setName("evil").setHistogram(h).build();
        StampedBatch b = batch(m);
        int decoded = b.request().getSerializedSize();
        RemoteWriteRendering.Result r = RemoteWriteRendering.translate(new StampedBatch(ACME, null, "", b.request(),
                16, T, decoded));
        long bytes = r.series().stream().mapToLong(s -> s.length).sum();
        assertTrue(bytes <= RemoteWriteRendering.budget(decoded), bytes + " bytes of series from " + decoded);
        assertEquals(502 * (16 - r.refusedPoints()), r.series().size(), "whole points only");
        assertTrue(r.refusedPoints() >= 14, "refused " + r.refusedPoints());

        // a real agent batch is far within it
        Metric small = gauge("system.cpu.load_average.1m", kv("cpu", "0"));
        assertEquals(0, RemoteWriteRendering.translate(batch(small)).refusedPoints());
    }
}
