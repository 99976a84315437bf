package dev.outpost.gateway.sink.remote;

import dev.outpost.gateway.config.RemoteEndpoint;
import dev.outpost.gateway.ingest.LogLimiter;
import dev.outpost.gateway.sink.MetricSink;
import java.io.IOException;
import java.time.Clock;
import java.time.Duration;
import java.util.Optional;

/**
 * What the sinks that send to a remote store share: the HTTP client of the store's endpoint, the parallel streams
 * it sends on, the limiter of their log lines, and no undo (a store keeps what it answered 2xx, and the samples
 * sent again after a failure are the same samples).
 */
public abstract class RemoteSink implements MetricSink {
    protected final RemoteClient client;
    protected final Streams streams;
    protected final LogLimiter logLimiter;

    /** @param parallel requests sent at once per delivery */
    protected RemoteSink(RemoteEndpoint endpoint, int parallel, Duration timeout, Clock clock, String userAgent)
            throws IOException {
        this.streams = new Streams(parallel, timeout);
        this.client = new RemoteClient(endpoint, clock, streams.executor(), userAgent);
        this.logLimiter = new LogLimiter(clock, Duration.ofMinutes(1), 100);
    }

    @Override
    public Optional<String> probe() {
        return client.probe();
    }

    @Override
    public long undo(Position start) {
        return 0;
    }

    @Override
    public void close() {
        streams.close();
    }
}
