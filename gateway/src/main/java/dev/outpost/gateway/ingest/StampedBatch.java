package dev.outpost.gateway.ingest;

import com.google.protobuf.InvalidProtocolBufferException;
import dev.outpost.gateway.ca.AgentIdentity;
import io.opentelemetry.proto.collector.metrics.v1.ExportMetricsServiceRequest;
import java.util.Objects;

/**
 * One accepted OTLP batch on its way to the sink: the identity of the agent that sent it (from its certificate),
 * its resources stamped with that identity, its idempotency key if it had a valid one, and the figures the ingest
 * scan found (data points, newest data point time, decoded size) so nothing walks it twice.
 *
 * <p>While it waits for the sink, a batch may hold the sink's own form of it instead of the parsed request
 * ({@link #prepare}): the file sink renders its NDJSON on the I/O thread that read the request, so that the parsed
 * request (about ten times the decoded bytes in objects) dies young instead of waiting in the queue, and the one
 * committer thread only compresses and writes. The request is then parsed again from the decoded body should
 * anyone still ask for it (the live view, while someone watches).
 *
 * @param key the batch's {@code Idempotency-Key} if it names this agent, else null (stored without dedupe)
 * @param batchId the key as sent, or "" without one
 * @param newestNanos the newest data point time in the batch (Unix nanoseconds), 0 if it has none
 * @param decodedBytes the size of the protobuf body after gunzip
 */
public final class StampedBatch {
    private final AgentIdentity identity;
    private final BatchKey key;
    private final String batchId;
    private final int points;
    private final long newestNanos;
    private final int decodedBytes;
    /** The decoded body as sent, to parse the request again from; null when the batch was built from a request. */
    private final byte[] body;
    private final boolean dedupe;
    private volatile ExportMetricsServiceRequest request;
    private volatile Object prepared;

    public StampedBatch(AgentIdentity identity, BatchKey key, String batchId, ExportMetricsServiceRequest request,
            int points, long newestNanos, int decodedBytes) {
        this(identity, key, batchId, Objects.requireNonNull(request, "request"), null, false, points, newestNanos,
                decodedBytes);
    }

    private StampedBatch(AgentIdentity identity, BatchKey key, String batchId, ExportMetricsServiceRequest request,
            byte[] body, boolean dedupe, int points, long newestNanos, int decodedBytes) {
        this.identity = Objects.requireNonNull(identity, "identity");
        this.key = key;
        this.batchId = Objects.requireNonNull(batchId, "batchId");
        if (points < 0 || decodedBytes < 0) {
            throw new IllegalArgumentException("points " + points + " and decodedBytes " + decodedBytes
                    + " must not be negative");
        }
        this.points = points;
        this.newestNanos = newestNanos;
        this.decodedBytes = decodedBytes;
        this.body = body;
        this.dedupe = dedupe;
        this.request = request;
    }

    /**
     * A batch as ingest accepts it: {@code body} (a decoded OTLP request the scan passed) parsed, its attribute keys
     * deduplicated if {@code dedupe} ({@link AttributeDedupe}), and stamped with {@code identity}; it can be parsed
     * again from {@code body} later.
     *
     * @throws InvalidProtocolBufferException if {@code body} is not an {@code ExportMetricsServiceRequest}
     */
    public static StampedBatch accepted(AgentIdentity identity, BatchKey key, String batchId, byte[] body,
            boolean dedupe, int points, long newestNanos) throws InvalidProtocolBufferException {
        return new StampedBatch(identity, key, batchId, parse(body, dedupe, identity), body, dedupe, points,
                newestNanos, body.length);
    }

    private static ExportMetricsServiceRequest parse(byte[] body, boolean dedupe, AgentIdentity identity)
            throws InvalidProtocolBufferException {
        ExportMetricsServiceRequest parsed = ExportMetricsServiceRequest.parseFrom(body);
        return IdentityStamp.apply(dedupe ? AttributeDedupe.apply(parsed) : parsed, identity);
    }

    public AgentIdentity identity() {
        return identity;
    }

    public BatchKey key() {
        return key;
    }

    public String batchId() {
        return batchId;
    }

    public int points() {
        return points;
    }

    public long newestNanos() {
        return newestNanos;
    }

    public int decodedBytes() {
        return decodedBytes;
    }

    /** The request, stamped with the identity; parsed again from the body if a sink prepared its own form. */
    public ExportMetricsServiceRequest request() {
        ExportMetricsServiceRequest r = request;
        if (r == null) {
            try {
                r = parse(body, dedupe, identity);
            } catch (InvalidProtocolBufferException e) {
                throw new IllegalStateException("batch " + batchId + " parsed once and not again", e);
            }
            request = r;
        }
        return r;
    }

    /**
     * Keeps {@code form}, the sink's own rendering of this batch ({@link #prepared}); the parsed request is let go
     * when it can be parsed again from the body.
     */
    public void prepare(Object form) {
        prepared = Objects.requireNonNull(form, "form");
        if (body != null) {
            request = null;
        }
    }

    /** What the sink prepared of this batch, or null. */
    public Object prepared() {
        return prepared;
    }

    @Override
    public String toString() {
        return "StampedBatch[" + identity + ", " + batchId + ", " + points + " points, " + decodedBytes + " bytes]";
    }
}
