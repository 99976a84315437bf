package dev.outpost.gateway.sink.prometheus;

import com.google.protobuf.CodedOutputStream;
import dev.outpost.gateway.config.PrometheusRemoteWriteConfig;
import dev.outpost.gateway.ingest.StampedBatch;
import dev.outpost.gateway.sink.Delivery;
import dev.outpost.gateway.sink.SinkUnavailableException;
import dev.outpost.gateway.sink.remote.RemoteClient;
import dev.outpost.gateway.sink.remote.RemoteSink;
import io.airlift.compress.snappy.SnappyCompressor;
import java.io.IOException;
import java.time.Clock;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.atomic.AtomicInteger;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Prometheus remote write 1.0 (protobuf {@code WriteRequest}, snappy, {@code X-Prometheus-Remote-Write-Version:
 * 0.1.0}). A group of batches becomes requests per org (its own URL or tenant header: no series of one org is ever
 * sent under another's tenant) and per shard; an agent's series always go to the same shard, whose requests are
 * sent one after the other, so each series reaches the store in order, while shards and orgs run in parallel.
 *
 * <p>A 2xx stores the request; 429, 5xx, timeouts and connection failures fail the whole group (the agents retry;
 * samples the store took already are sent again and accepted as identical). Any other 4xx (out of order, out of
 * bounds, a bad sample; some stores reject a whole request for one bad sample), and a 5xx whose message names such
 * a sample (Prometheus 2.42 answers 500 for samples older than its out-of-order window), splits the request in
 * halves and sends each again, down to single samples, so that everything else lands and exactly the refused
 * samples are counted; at most {@link #MAX_SPLITS} extra requests per delivery.
 */
public final class RemoteWriteSink extends RemoteSink {
    private static final Logger LOG = LoggerFactory.getLogger("outpost.gateway.sink");
    static final int MAX_SPLITS = 256;
    static final int MAX_REQUEST_BYTES = 16 << 20;
    private static final Map<String, String> HEADERS = Map.of("Content-Type", "application/x-protobuf",
            "Content-Encoding", "snappy", "X-Prometheus-Remote-Write-Version", "0.1.0");
    private final PrometheusRemoteWriteConfig config;
    private final RemoteWriteTranslator translator;
    private final ThreadLocal<SnappyCompressor> snappy = ThreadLocal.withInitial(SnappyCompressor::new);

    public RemoteWriteSink(PrometheusRemoteWriteConfig config, Clock clock, String userAgent) throws IOException {
        super(config, config.maxConcurrentRequests() + 1, config.timeout(), clock, userAgent);
        this.config = config;
        this.translator = new RemoteWriteTranslator(config.resourceLabels());
    }

    @Override
    public String name() {
        return "prometheus_remote_write";
    }

    @Override
    public Delivery deliver(List<StampedBatch> batches, BeforeWrite beforeWrite) throws SinkUnavailableException {
        Delivery delivery = Delivery.of(batches.size());
        Map<String, Units> streams = new LinkedHashMap<>(); // org and shard -> its series, in order
        for (int i = 0; i < batches.size(); i++) {
            StampedBatch b = batches.get(i);
            int shard = Math.floorMod(b.identity().agentId().hashCode(), config.maxConcurrentRequests());
            Units units = streams.computeIfAbsent(b.identity().org() + "\u0000" + shard, k -> new Units());
            translator.translate(b, i, units, delivery);
        }
        long deadline = System.nanoTime() + config.timeout().toNanos();
        AtomicInteger splits = new AtomicInteger();
        List<java.util.concurrent.Callable<List<Refused>>> sends = new ArrayList<>();
        for (Map.Entry<String, Units> e : streams.entrySet()) {
            String org = e.getKey().substring(0, e.getKey().indexOf('\u0000'));
            Units units = e.getValue();
            sends.add(() -> sendAll(org, units, deadline, splits));
        }
        List<Refused> refused = new ArrayList<>();
        this.streams.run(sends, deadline).forEach(refused::addAll);
        count(refused, delivery);
        return delivery;
    }

    /** Sends one stream's units in order, in requests of bounded size; returns the refused ones with reasons. */
    private List<Refused> sendAll(String org, Units units, long deadline, AtomicInteger splits)
            throws SinkUnavailableException {
        List<Refused> refused = new ArrayList<>();
        int from = 0;
        while (from < units.size()) {
            int to = from;
            long bytes = 0;
            while (to < units.size() && to - from < config.maxSamplesPerRequest()
                    && bytes + units.series.get(to).length + 6 <= MAX_REQUEST_BYTES) {
                bytes += units.series.get(to).length + 6;
                to++;
            }
            send(org, units, from, to, deadline, splits, refused);
            from = to;
        }
        return refused;
    }

    /**
     * Sends units [from, to); a permanent refusal splits the range until the refused samples are alone, which are
     * added to {@code refused}.
     */
    private void send(String org, Units units, int from, int to, long deadline, AtomicInteger splits,
            List<Refused> refused) throws SinkUnavailableException {
        RemoteClient.Answer answer = client.post(org, compress(encode(units, from, to)), HEADERS, deadline);
        int status = answer.status();
        if (status / 100 == 2) {
            return;
        }
        if (status == 429 || status == 408 || status / 100 == 5 && !refusesSamples(answer.body())) {
            throw new SinkUnavailableException("http_" + status, "the store answered " + status + ": "
                    + answer.body(), answer.retryAfter(), null);
        }
        if (to - from > 1 && splits.getAndAdd(2) < MAX_SPLITS) {
            int mid = (from + to) >>> 1;
            send(org, units, from, mid, deadline, splits, refused);
            send(org, units, mid, to, deadline, splits, refused);
            return;
        }
        String reason = reason(status, answer.body());
        if (logLimiter.allow(reason) >= 0) {
            LOG.warn("sink: the store at {} refused samples of org {} for good ({} {}); they are counted as refused "
                    + "and not sent again, the rest of their batches is stored; this is logged once a minute per "
                    + "reason", client.uri(org).getHost(), org, status, answer.body());
        }
        refused.add(new Refused(units, from, to, reason));
    }

    /** Samples [from, to) of {@code units} that the store refused for good. */
    private record Refused(Units units, int from, int to, String reason) {
    }

    /**
     * Whether a 5xx body names a sample the store will never take: Prometheus 2.42 answers 500, not 400, for a
     * sample older than its out-of-order window ("too old sample"), which must not be retried forever.
     */
    static boolean refusesSamples(String body) {
        String b = body.toLowerCase(Locale.ROOT);
        return b.contains("too old sample") || b.contains("out of bounds") || b.contains("out of order sample")
                || b.contains("duplicate sample for timestamp");
    }

    static String reason(int status, String body) {
        String b = body.toLowerCase(Locale.ROOT);
        if (b.contains("out of order")) {
            return "out_of_order";
        }
        if (b.contains("out of bounds")) {
            return "out_of_bounds";
        }
        if (b.contains("duplicate sample")) {
            return "duplicate_sample";
        }
        if (b.contains("too old")) {
            return "too_old";
        }
        return "http_" + status;
    }

    /** Counts refused samples as refused data points of their batches, each data point once. */
    private static void count(List<Refused> refused, Delivery delivery) {
        Set<Integer> seen = new HashSet<>();
        for (Refused r : refused) {
            for (int i = r.from(); i < r.to(); i++) {
                if (seen.add(r.units().point(i))) {
                    delivery.refuse(r.units().batch(i), 1, r.reason());
                }
            }
        }
    }

    private static byte[] encode(Units units, int from, int to) {
        int size = 0;
        for (int i = from; i < to; i++) {
            int n = units.series.get(i).length;
            size += 1 + CodedOutputStream.computeUInt32SizeNoTag(n) + n;
        }
        byte[] out = new byte[size];
        CodedOutputStream o = CodedOutputStream.newInstance(out);
        try {
            for (int i = from; i < to; i++) {
                byte[] ts = units.series.get(i);
                o.writeTag(1, com.google.protobuf.WireFormat.WIRETYPE_LENGTH_DELIMITED);
                o.writeUInt32NoTag(ts.length);
                o.writeRawBytes(ts);
            }
            o.checkNoSpaceLeft();
        } catch (IOException e) {
            throw new IllegalStateException("encoding a remote write request failed", e);
        }
        return out;
    }

    private byte[] compress(byte[] raw) {
        SnappyCompressor c = snappy.get();
        byte[] out = new byte[c.maxCompressedLength(raw.length)];
        int n = c.compress(raw, 0, raw.length, out, 0, out.length);
        return java.util.Arrays.copyOf(out, n);
    }
}
