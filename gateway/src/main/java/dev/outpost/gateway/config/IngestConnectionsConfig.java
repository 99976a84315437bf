package dev.outpost.gateway.config;

import com.fasterxml.jackson.annotation.JsonCreator;
import com.fasterxml.jackson.annotation.JsonProperty;
import dev.outpost.wire.config.Violations;
import java.time.Duration;

/**
 * The {@code ingest.connections} section (see {@link ListenerConnections}). Ingest: a fleet keeps one mostly idle keep-alive connection per agent, many of them behind one NAT address
 * sometimes; an agent pushes every 10 s, so five idle minutes mean it is gone.
 */
public record IngestConnectionsConfig(int max, int maxPerAddress, int maxHandshakes, Duration handshakeTimeout,
        Duration requestTimeout, Duration idleTimeout) implements ListenerConnections {
    public static final int DEFAULT_MAX = 20_000;
    public static final int DEFAULT_MAX_PER_ADDRESS = 4_096;
    public static final Duration DEFAULT_IDLE_TIMEOUT = Duration.ofMinutes(5);

    /**
     * @throws dev.outpost.wire.config.InvalidConfigException naming each value out of range
     */
    public IngestConnectionsConfig {
        Violations v = new Violations();
        ListenerConnections.check(v, max, maxPerAddress, maxHandshakes, handshakeTimeout, requestTimeout,
                idleTimeout);
        v.throwIfAny();
    }

    /** How the file binds: an absent key is {@code null} and takes its default. */
    @JsonCreator
    static IngestConnectionsConfig of(@JsonProperty("max") Integer max,
            @JsonProperty("max_per_address") Integer maxPerAddress,
            @JsonProperty("max_handshakes") Integer maxHandshakes,
            @JsonProperty("handshake_timeout") Duration handshakeTimeout,
            @JsonProperty("request_timeout") Duration requestTimeout,
            @JsonProperty("idle_timeout") Duration idleTimeout) {
        return new IngestConnectionsConfig(max == null ? DEFAULT_MAX : max,
                maxPerAddress == null ? DEFAULT_MAX_PER_ADDRESS : maxPerAddress,
                maxHandshakes == null ? DEFAULT_MAX_HANDSHAKES : maxHandshakes,
                handshakeTimeout == null ? DEFAULT_HANDSHAKE_TIMEOUT : handshakeTimeout,
                requestTimeout == null ? DEFAULT_REQUEST_TIMEOUT : requestTimeout,
                idleTimeout == null ? DEFAULT_IDLE_TIMEOUT : idleTimeout);
    }

    public static IngestConnectionsConfig defaults() {
        return of(null, null, null, null, null, null);
    }
}
