package dev.outpost.gateway.sink;

import dev.outpost.gateway.config.SinkConfig;
import dev.outpost.gateway.sink.file.FileSink;
import dev.outpost.gateway.sink.otlp.OtlpForwardSink;
import dev.outpost.gateway.sink.prometheus.RemoteWriteSink;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Clock;

/** Builds the sink {@code sink.type} names. */
public final class Sinks {
    private Sinks() {
    }

    /**
     * @param gatewayDir the gateway directory, against which a relative file sink directory is resolved
     * @param version the gateway's version, for the User-Agent of remote sinks
     */
    public static MetricSink create(SinkConfig config, Path gatewayDir, Clock clock, String version)
            throws IOException {
        String userAgent = "outpost-gateway/" + version;
        return switch (config.type()) {
            case FILE -> new FileSink(config.file().dirIn(gatewayDir), config.file(), clock);
            case PROMETHEUS_REMOTE_WRITE -> new RemoteWriteSink(config.prometheusRemoteWrite(), clock, userAgent);
            case OTLP -> new OtlpForwardSink(config.otlp(), clock, userAgent);
        };
    }
}
