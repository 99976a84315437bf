package dev.outpost.gateway.ingest;

import dev.outpost.gateway.ca.AgentIdentity;
import io.opentelemetry.proto.collector.metrics.v1.ExportMetricsServiceRequest;
import java.util.Objects;

/**
 * One accepted OTLP batch on its way to the sink: the identity of the agent that sent it (from its certificate),
 * its resources already stamped with that identity, its idempotency key if it had a valid one, and the figures
 * the ingest scan found (data points, newest data point time, decoded size) so nothing walks it twice.
 *
 * @param key the batch's {@code Idempotency-Key} if it names this agent, else null (stored without dedupe)
 * @param batchId the key as sent, or "" without one
 * @param newestNanos the newest data point time in the batch (Unix nanoseconds), 0 if it has none
 * @param decodedBytes the size of the protobuf body after gunzip
 */
public record StampedBatch(AgentIdentity identity, BatchKey key, String batchId, ExportMetricsServiceRequest request,
        int points, long newestNanos, int decodedBytes) {
    public StampedBatch {
        Objects.requireNonNull(identity, "identity");
        Objects.requireNonNull(batchId, "batchId");
        Objects.requireNonNull(request, "request");
        if (points < 0 || decodedBytes < 0) {
            throw new IllegalArgumentException("points " + points + " and decodedBytes " + decodedBytes
                    + " must not be negative");
        }
    }
}
