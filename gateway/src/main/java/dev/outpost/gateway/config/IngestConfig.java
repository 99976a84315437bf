package dev.outpost.gateway.config;

import com.fasterxml.jackson.annotation.JsonCreator;
import com.fasterxml.jackson.annotation.JsonProperty;
import dev.outpost.wire.config.Violations;
import java.net.InetSocketAddress;

/**
 * The {@code ingest} section: where the mTLS OTLP listener accepts connections, and the bounds on a request body
 * as sent (compressed) and after gunzip; either bound exceeded is answered 413.
 */
public record IngestConfig(InetSocketAddress listen, int maxBodyBytes, int maxDecodedBytes) {
    public static final InetSocketAddress DEFAULT_LISTEN = ListenAddresses.parse("0.0.0.0:4318");
    public static final int DEFAULT_MAX_BODY_BYTES = 4 << 20;
    public static final int DEFAULT_MAX_DECODED_BYTES = 16 << 20;

    /**
     * @throws dev.outpost.wire.config.InvalidConfigException naming each bound out of range
     */
    public IngestConfig {
        Violations v = new Violations();
        if (listen == null) {
            v.add("listen", "missing; use e.g. \"0.0.0.0:4318\"");
        }
        v.bytesBetween("max_body_bytes", maxBodyBytes, 1 << 10, 64 << 20, DEFAULT_MAX_BODY_BYTES);
        v.bytesBetween("max_decoded_bytes", maxDecodedBytes, 1 << 10, 256 << 20, DEFAULT_MAX_DECODED_BYTES);
        v.throwIfAny();
    }

    /** How the file binds: an absent key is {@code null} and takes its default. */
    @JsonCreator
    static IngestConfig of(@JsonProperty("listen") InetSocketAddress listen,
            @JsonProperty("max_body_bytes") Integer maxBodyBytes,
            @JsonProperty("max_decoded_bytes") Integer maxDecodedBytes) {
        return new IngestConfig(listen == null ? DEFAULT_LISTEN : listen,
                maxBodyBytes == null ? DEFAULT_MAX_BODY_BYTES : maxBodyBytes,
                maxDecodedBytes == null ? DEFAULT_MAX_DECODED_BYTES : maxDecodedBytes);
    }

    public static IngestConfig defaults() {
        return of(null, null, null);
    }
}
