package dev.outpost.gateway.ingest;

import dev.outpost.gateway.ca.AgentIdentity;
import dev.outpost.gateway.sink.MetricSink;
import dev.outpost.gateway.store.Watermarks;
import dev.outpost.gateway.store.Watermarks.Pending;
import io.opentelemetry.proto.collector.metrics.v1.ExportMetricsServiceRequest;
import java.io.IOException;
import java.util.Objects;
import java.util.OptionalLong;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Stores every agent's batches exactly once. A batch whose key is at or below the agent's watermark is a retry
 * and is not stored again. Otherwise its start in the sink is recorded PENDING, the sink writes and fsyncs it,
 * and the new watermark is committed while PENDING is cleared. A write that failed, or that a crash cut short,
 * is undone in the sink before anything else is written, so the sink holds whole batches only.
 */
public final class BatchCommitter {
    private static final Logger LOG = LoggerFactory.getLogger("outpost.gateway.ingest");
    private final MetricSink sink;
    private final Watermarks watermarks;
    private final AtomicLong duplicates = new AtomicLong();
    /** A failed write not undone yet; while set, nothing is written (its undo would cut what follows). */
    private Pending unresolved;

    /** What became of a batch: stored with this many data points, or recognised as already stored. */
    public record Outcome(boolean duplicate, int points) {
    }

    public BatchCommitter(MetricSink sink, Watermarks watermarks) {
        this.sink = Objects.requireNonNull(sink, "sink");
        this.watermarks = Objects.requireNonNull(watermarks, "watermarks");
    }

    /** Undoes every write a crash left PENDING; run once at start, before ingest serves. Returns how many. */
    public synchronized int recover() throws IOException {
        int n = 0;
        for (Pending p : watermarks.pending()) {
            long removed = sink.undo(p.start());
            watermarks.abandon(p);
            LOG.warn("ingest: removed {} bytes of batch {} that a stop cut short in {} at offset {}; the agent sends "
                    + "it again", removed, name(p), p.start().location(), p.start().offset());
            n++;
        }
        return n;
    }

    /**
     * Stores {@code batch} (already stamped with {@code identity}) unless its key {@code batchId} says it is
     * stored already. A key naming another agent than the certificate's is ignored: stored without dedupe.
     *
     * @throws IOException if the sink or the state database failed; nothing of the batch is then kept
     */
    public synchronized Outcome store(AgentIdentity identity, String batchId, ExportMetricsServiceRequest batch)
            throws IOException {
        BatchKey key = BatchKey.parse(batchId);
        if (key != null && !key.agentId().equals(identity.agentId())) {
            LOG.warn("ingest: batch key {} from {} names another agent; storing it without dedupe", batchId,
                    identity.agentId());
            key = null;
        }
        resolve();
        if (key != null) {
            OptionalLong watermark = watermarks.of(key.agentId());
            if (watermark.isPresent() && key.seq() <= watermark.getAsLong()) {
                LOG.debug("ingest: batch {} is at or below the watermark {}; already stored, answered without storing "
                        + "it again ({} so far)", key, watermark.getAsLong(), duplicates.incrementAndGet());
                return new Outcome(true, 0);
            }
        }
        String agent = key == null ? null : key.agentId();
        long seq = key == null ? 0 : key.seq();
        Pending[] pending = new Pending[1];
        int points;
        try {
            points = sink.write(identity, batchId, batch, start -> pending[0] = watermarks.begin(agent, seq, start));
            watermarks.commit(pending[0]);
        } catch (IOException | RuntimeException e) {
            if (pending[0] != null) {
                unresolved = pending[0];
                resolveOrLog();
            }
            throw e;
        }
        return new Outcome(false, points);
    }

    /** Retried batches recognised and not stored again since start. */
    public long duplicates() {
        return duplicates.get();
    }

    private void resolve() throws IOException {
        if (unresolved != null) {
            long removed = sink.undo(unresolved.start());
            watermarks.abandon(unresolved);
            LOG.info("ingest: removed {} bytes of failed batch {} from {}", removed, name(unresolved),
                    unresolved.start().location());
            unresolved = null;
        }
    }

    private void resolveOrLog() {
        try {
            resolve();
        } catch (IOException e) {
            LOG.warn("ingest: cannot undo failed batch {} yet; nothing is stored until it is: {}", name(unresolved),
                    e.getMessage());
        }
    }

    private static String name(Pending p) {
        return p.agentId() == null ? "(without key)" : p.agentId() + ":" + p.seq();
    }
}
