package dev.outpost.gateway.sink;

import dev.outpost.gateway.ca.AgentIdentity;
import io.opentelemetry.proto.collector.metrics.v1.ExportMetricsServiceRequest;
import java.io.IOException;

/**
 * Where accepted batches go. A write returns only once the batch is durable, because then the agent forgets it.
 * Before writing, the sink tells the caller where the batch will start, so that a write cut short (an I/O error,
 * or the gateway killed mid-write) can be undone whole later; that is what makes storing exactly once possible.
 */
public interface MetricSink extends AutoCloseable {
    /**
     * Where a write starts: a location the sink understands (for the file sink, a file name in its directory) and
     * a byte offset in it. Opaque to everyone but the sink that made it; kept in the state database meanwhile.
     */
    record Position(String location, long offset) {
        public Position {
            if (location == null || location.isEmpty()) {
                throw new IllegalArgumentException("sink position location \"" + location + "\" is empty");
            }
            if (offset < 0) {
                throw new IllegalArgumentException("sink position offset " + offset + " is negative");
            }
        }
    }

    /** Called with the start position once a batch is encoded and just before its first byte is written. */
    @FunctionalInterface
    interface BeforeWrite {
        /** If this throws, nothing of the batch is written and the exception propagates out of the write. */
        void at(Position start) throws IOException;
    }

    /**
     * Stores one batch whose resources are already stamped with {@code identity}, calling {@code beforeWrite}
     * first. Writes are serialised: no other batch is written between {@code beforeWrite} and the return.
     *
     * @return the number of data points stored
     */
    int write(AgentIdentity identity, String batchId, ExportMetricsServiceRequest batch, BeforeWrite beforeWrite)
            throws IOException;

    /** Stores one batch without recording where it starts. */
    default int write(AgentIdentity identity, String batchId, ExportMetricsServiceRequest batch) throws IOException {
        return write(identity, batchId, batch, start -> { });
    }

    /**
     * Removes everything written at or after {@code start} (a write that did not complete). Doing it twice is
     * harmless; a sink that cannot take data back does nothing.
     *
     * @return the number of bytes removed
     */
    long undo(Position start) throws IOException;

    @Override
    void close() throws IOException;
}
