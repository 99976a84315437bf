package dev.outpost.gateway.sink;

import dev.outpost.gateway.ingest.StampedBatch;
import java.io.IOException;
import java.util.List;

/**
 * Where accepted batches go. {@link #deliver} takes a group of batches (many agents', in arrival order) and
 * returns only once the sink holds every one of them durably — then the agents are told 200 and forget them — or
 * throws {@link SinkUnavailableException}, and the agents keep them and retry. The group shares one fsync or one
 * request per store tenant (group commit). A sink that can take data back (the file sink) reports, before its
 * first byte is written, where each of its writes starts, so that a write cut short is undone whole later.
 */
public interface MetricSink extends AutoCloseable {
    /**
     * Where a write starts: a location the sink understands (for the file sink, a file under its directory) and
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

    /** Called with the start positions once a group is encoded and just before its first byte is written. */
    @FunctionalInterface
    interface BeforeWrite {
        /** If this throws, nothing of the group is written and the exception propagates out of the delivery. */
        void at(List<Position> starts) throws IOException;
    }

    /**
     * Called for each accepted batch on the I/O thread that read it, before it is queued for {@link #deliver}, by
     * many threads at once: a sink may keep its own form of the batch there ({@link StampedBatch#prepare}), so that
     * work is done in parallel and the queue holds less. Must not block.
     */
    default void prepare(StampedBatch batch) {
    }

    /** A short name for logs and the live view: "file", "prometheus_remote_write", "otlp". */
    String name();

    /**
     * Stores {@code batches} (stamped with their agents' identities). Calls are serialised by the caller, one
     * group at a time, so that one agent's batches reach the store in the order they were sent.
     *
     * @return per batch, what the store refused for good (a 4xx of a remote store); not retried
     * @throws SinkUnavailableException if the sink could not take the group now; nothing of it counts as stored
     */
    Delivery deliver(List<StampedBatch> batches, BeforeWrite beforeWrite) throws SinkUnavailableException;

    /**
     * Removes everything written at or after {@code start} (a write that did not complete). Doing it twice is
     * harmless; a sink that cannot take data back does nothing and returns 0.
     *
     * @return the number of bytes removed
     */
    long undo(Position start) throws IOException;

    /**
     * Whether the store can be reached now, for a warning at start (a sink that cannot be reached is not a reason
     * not to serve: agents are answered 503 and keep their batches until it can). Empty if it can, or if there is
     * nothing to reach; otherwise what is wrong. May block for a few seconds.
     */
    default java.util.Optional<String> probe() {
        return java.util.Optional.empty();
    }

    /** Periodic housekeeping (retention); called every few seconds from the delivering thread. Never throws. */
    default void maintain() {
    }

    @Override
    void close() throws IOException;
}
