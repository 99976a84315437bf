package dev.outpost.gateway.config;

import com.fasterxml.jackson.annotation.JsonCreator;
import com.fasterxml.jackson.annotation.JsonProperty;
import dev.outpost.wire.config.Violations;
import java.net.InetSocketAddress;

/**
 * The {@code ingest} section: where the mTLS OTLP listener accepts connections; the bounds on a request body as
 * sent (compressed) and after gunzip (either exceeded is answered 413); the memory all connections' request bodies
 * may take at once (more is answered 503); and the sections on connections, per-request limits, rate limits and the
 * queue in front of the sink.
 */
public record IngestConfig(InetSocketAddress listen, int maxBodyBytes, int maxDecodedBytes, long maxInflightBytes,
        IngestConnectionsConfig connections, IngestLimitsConfig limits, RateLimitsConfig rateLimits,
        IngestQueueConfig queue) {
    public static final InetSocketAddress DEFAULT_LISTEN = ListenAddresses.parse("0.0.0.0:4318");
    public static final int DEFAULT_MAX_BODY_BYTES = 4 << 20;
    public static final int DEFAULT_MAX_DECODED_BYTES = 8 << 20;
    public static final long DEFAULT_MAX_INFLIGHT_BYTES = 64L << 20;

    /**
     * @throws dev.outpost.wire.config.InvalidConfigException naming each bound out of range
     */
    public IngestConfig {
        connections = connections == null ? IngestConnectionsConfig.defaults() : connections;
        limits = limits == null ? IngestLimitsConfig.defaults() : limits;
        rateLimits = rateLimits == null ? RateLimitsConfig.defaults() : rateLimits;
        queue = queue == null ? IngestQueueConfig.defaults() : queue;
        Violations v = new Violations();
        if (listen == null) {
            v.add("listen", "missing; use e.g. \"0.0.0.0:4318\"");
        }
        v.bytesBetween("max_body_bytes", maxBodyBytes, 1 << 10, 64 << 20, DEFAULT_MAX_BODY_BYTES);
        v.bytesBetween("max_decoded_bytes", maxDecodedBytes, 1 << 10, 256 << 20, DEFAULT_MAX_DECODED_BYTES);
        v.bytesBetween("max_inflight_bytes", maxInflightBytes, 1 << 20, 16L << 30, DEFAULT_MAX_INFLIGHT_BYTES);
        if (maxInflightBytes < maxBodyBytes) {
            v.add("max_inflight_bytes", maxInflightBytes + " is below max_body_bytes " + maxBodyBytes
                    + ", so no request of the largest size could ever be read; raise it or lower max_body_bytes");
        }
        v.throwIfAny();
    }

    /** How the file binds: an absent key is {@code null} and takes its default. */
    @JsonCreator
    static IngestConfig of(@JsonProperty("listen") InetSocketAddress listen,
            @JsonProperty("max_body_bytes") Integer maxBodyBytes,
            @JsonProperty("max_decoded_bytes") Integer maxDecodedBytes,
            @JsonProperty("max_inflight_bytes") Long maxInflightBytes,
            @JsonProperty("connections") IngestConnectionsConfig connections,
            @JsonProperty("limits") IngestLimitsConfig limits,
            @JsonProperty("rate_limits") RateLimitsConfig rateLimits,
            @JsonProperty("queue") IngestQueueConfig queue) {
        return new IngestConfig(listen == null ? DEFAULT_LISTEN : listen,
                maxBodyBytes == null ? DEFAULT_MAX_BODY_BYTES : maxBodyBytes,
                maxDecodedBytes == null ? DEFAULT_MAX_DECODED_BYTES : maxDecodedBytes,
                maxInflightBytes == null ? DEFAULT_MAX_INFLIGHT_BYTES : maxInflightBytes,
                connections, limits, rateLimits, queue);
    }

    public static IngestConfig defaults() {
        return of(null, null, null, null, null, null, null, null);
    }
}
