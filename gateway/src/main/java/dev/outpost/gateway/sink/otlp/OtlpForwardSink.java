package dev.outpost.gateway.sink.otlp;

import com.google.protobuf.InvalidProtocolBufferException;
import dev.outpost.gateway.config.OtlpSinkConfig;
import dev.outpost.gateway.ingest.StampedBatch;
import dev.outpost.gateway.sink.Delivery;
import dev.outpost.gateway.sink.SinkUnavailableException;
import dev.outpost.gateway.sink.remote.RemoteClient;
import dev.outpost.gateway.sink.remote.RemoteSink;
import io.opentelemetry.proto.collector.metrics.v1.ExportMetricsServiceRequest;
import io.opentelemetry.proto.collector.metrics.v1.ExportMetricsServiceResponse;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.time.Clock;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.zip.GZIPOutputStream;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Forwards stamped batches as OTLP/HTTP (protobuf, gzip) to any OTLP receiver: per org (its own URL or tenant
 * header), the batches' resources merged into requests of at most {@code max_bytes_per_request}, sent in order;
 * orgs in parallel. As the OTLP specification says, 429, 502, 503 and 504 are retried (the group fails and the
 * agents retry, after the receiver's {@code Retry-After}); any other refusal (400 and the rest) is not: its data
 * points are counted as refused. A partial success the receiver reports counts its rejected points the same way.
 */
public final class OtlpForwardSink extends RemoteSink {
    private static final Logger LOG = LoggerFactory.getLogger("outpost.gateway.sink");
    private static final Map<String, String> HEADERS = Map.of("Content-Type", "application/x-protobuf",
            "Content-Encoding", "gzip");
    private final OtlpSinkConfig config;

    public OtlpForwardSink(OtlpSinkConfig config, Clock clock, String userAgent) throws IOException {
        super(config, 4, config.timeout(), clock, userAgent);
        this.config = config;
    }

    @Override
    public String name() {
        return "otlp";
    }

    @Override
    public Delivery deliver(List<StampedBatch> batches, BeforeWrite beforeWrite) throws SinkUnavailableException {
        Delivery delivery = Delivery.of(batches.size());
        Map<String, List<Integer>> byOrg = new LinkedHashMap<>();
        for (int i = 0; i < batches.size(); i++) {
            byOrg.computeIfAbsent(batches.get(i).identity().org(), k -> new ArrayList<>()).add(i);
        }
        long deadline = System.nanoTime() + config.timeout().toNanos();
        List<java.util.concurrent.Callable<Void>> sends = new ArrayList<>();
        for (Map.Entry<String, List<Integer>> e : byOrg.entrySet()) {
            sends.add(() -> {
                sendOrg(e.getKey(), e.getValue(), batches, delivery, deadline);
                return null;
            });
        }
        streams.run(sends, deadline);
        return delivery;
    }

    /** Sends the org's batches in requests of bounded size, in order. */
    private void sendOrg(String org, List<Integer> indexes, List<StampedBatch> batches, Delivery delivery,
            long deadline) throws SinkUnavailableException {
        int from = 0;
        while (from < indexes.size()) {
            ExportMetricsServiceRequest.Builder request = ExportMetricsServiceRequest.newBuilder();
            long bytes = 0;
            int to = from;
            while (to < indexes.size()) {
                ExportMetricsServiceRequest b = batches.get(indexes.get(to)).request();
                int size = b.getSerializedSize();
                if (to > from && bytes + size > config.maxBytesPerRequest()) {
                    break;
                }
                request.addAllResourceMetrics(b.getResourceMetricsList());
                bytes += size;
                to++;
            }
            send(org, request.build(), indexes.subList(from, to), batches, delivery, deadline);
            from = to;
        }
    }

    private void send(String org, ExportMetricsServiceRequest request, List<Integer> indexes,
            List<StampedBatch> batches, Delivery delivery, long deadline) throws SinkUnavailableException {
        RemoteClient.Answer answer = client.post(org, gzip(request.toByteArray()), HEADERS, deadline);
        int status = answer.status();
        if (status == 429 || status == 502 || status == 503 || status == 504) {
            throw new SinkUnavailableException("http_" + status, "the receiver answered " + status + ": "
                    + answer.body(), answer.retryAfter(), null);
        }
        if (status / 100 == 2) {
            partial(answer.raw(), indexes, batches, delivery);
            return;
        }
        String reason = "http_" + status;
        if (logLimiter.allow(reason) >= 0) {
            LOG.warn("sink: the receiver at {} refused a request of org {} for good ({} {}); its data points are "
                    + "counted as refused and not sent again; logged once a minute per reason",
                    client.uri(org).getHost(), org, status, answer.body());
        }
        for (int i : indexes) {
            delivery.refuse(i, batches.get(i).points(), reason);
        }
    }

    /** Counts a partial success's rejected points against the request's batches, first batch first. */
    static void partial(byte[] body, List<Integer> indexes, List<StampedBatch> batches, Delivery delivery) {
        try {
            ExportMetricsServiceResponse r = ExportMetricsServiceResponse.parseFrom(body);
            long rejected = r.getPartialSuccess().getRejectedDataPoints();
            for (int i : indexes) {
                if (rejected <= 0) {
                    break;
                }
                int n = (int) Math.min(rejected, batches.get(i).points());
                delivery.refuse(i, n, "partial_success");
                rejected -= n;
            }
        } catch (InvalidProtocolBufferException e) {
            // Not an OTLP response body: nothing to count.
        }
    }

    private static byte[] gzip(byte[] raw) throws SinkUnavailableException {
        ByteArrayOutputStream out = new ByteArrayOutputStream(raw.length / 4 + 64);
        try (GZIPOutputStream gz = new GZIPOutputStream(out, 8192)) {
            gz.write(raw);
        } catch (IOException e) {
            throw new SinkUnavailableException("error", "gzip failed: " + e.getMessage(), null, e);
        }
        return out.toByteArray();
    }
}
