package dev.outpost.gateway.ingest;

import dev.outpost.gateway.ca.AgentIdentity;
import dev.outpost.gateway.config.FileSinkConfig;
import dev.outpost.gateway.config.IngestLimitsConfig;
import dev.outpost.gateway.sink.MetricSink;
import dev.outpost.gateway.sink.file.FileSink;
import dev.outpost.gateway.store.Database;
import dev.outpost.gateway.store.Watermarks;
import io.opentelemetry.proto.collector.metrics.v1.ExportMetricsServiceRequest;
import java.nio.file.Path;
import java.time.Clock;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

/** A real pipeline on a real SQLite database and a real sink (a file sink unless given one), for tests. */
final class TestPipeline implements AutoCloseable {
    final Database db;
    final MetricSink sink;
    final Watermarks watermarks;
    final IngestStats stats = new IngestStats();
    final IngestPipeline pipeline;
    final int recovered;

    TestPipeline(Path dir, Clock clock) throws Exception {
        this(dir, clock, new FileSink(dir.resolve("metrics"), FileSinkConfig.defaults(), clock),
                new IngestPipeline.Limits(1000, 64L << 20, 1000, 200_000));
    }

    TestPipeline(Path dir, Clock clock, MetricSink sink, IngestPipeline.Limits limits) throws Exception {
        this.db = Database.open(dir.resolve("state.db"));
        this.sink = sink;
        this.watermarks = new Watermarks(db, clock);
        this.pipeline = new IngestPipeline(sink, watermarks, clock, limits, stats, new Random(7));
        this.recovered = pipeline.start();
    }

    /** Queues the batch and waits (at most 10 s) for its result. */
    IngestPipeline.Result store(AgentIdentity id, String key, ExportMetricsServiceRequest batch) throws Exception {
        return submit(id, key, batch).get(10, TimeUnit.SECONDS);
    }

    CompletableFuture<IngestPipeline.Result> submit(AgentIdentity id, String key, ExportMetricsServiceRequest batch)
            throws Exception {
        CompletableFuture<IngestPipeline.Result> result = new CompletableFuture<>();
        pipeline.submit(stamped(id, key, batch), result::complete);
        return result;
    }

    /** The batch as ingest would queue it: scanned, keyed if the key names {@code id}, stamped. */
    static StampedBatch stamped(AgentIdentity id, String key, ExportMetricsServiceRequest batch) throws Exception {
        byte[] raw = batch.toByteArray();
        BatchScan.Result scan = new BatchScan(IngestLimitsConfig.defaults()).scan(raw);
        BatchKey k = BatchKey.parse(key);
        if (k != null && !k.agentId().equals(id.agentId())) {
            k = null;
        }
        return new StampedBatch(id, k, key, IdentityStamp.apply(batch, id), scan.points(), scan.newestNanos(),
                raw.length);
    }

    @Override
    public void close() throws Exception {
        pipeline.close();
        sink.close();
        db.close();
    }
}
