package dev.outpost.gateway.sink;

import dev.outpost.gateway.ca.AgentIdentity;
import io.opentelemetry.proto.collector.metrics.v1.ExportMetricsServiceRequest;
import java.io.IOException;

/** Where accepted batches go. A write returns only once the batch is durable, because then the agent forgets it. */
public interface MetricSink extends AutoCloseable {
    /**
     * Stores one batch whose resources are already stamped with {@code identity}.
     *
     * @return the number of data points stored
     */
    int write(AgentIdentity identity, String batchId, ExportMetricsServiceRequest batch) throws IOException;

    @Override
    void close() throws IOException;
}
