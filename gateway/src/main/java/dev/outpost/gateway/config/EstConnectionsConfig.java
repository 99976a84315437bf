package dev.outpost.gateway.config;

import com.fasterxml.jackson.annotation.JsonCreator;
import com.fasterxml.jackson.annotation.JsonProperty;
import dev.outpost.wire.config.Violations;
import java.time.Duration;

/**
 * The {@code est.connections} section (see {@link ListenerConnections}). EST: short exchanges (enroll, renew),
 * a few at a time per host.
 */
public record EstConnectionsConfig(int max, int maxPerAddress, int maxHandshakes, Duration handshakeTimeout,
        Duration requestTimeout, Duration idleTimeout) implements ListenerConnections {
    public static final int DEFAULT_MAX = 2_000;
    public static final int DEFAULT_MAX_PER_ADDRESS = 256;
    public static final Duration DEFAULT_IDLE_TIMEOUT = Duration.ofSeconds(30);

    /**
     * @throws dev.outpost.wire.config.InvalidConfigException naming each value out of range
     */
    public EstConnectionsConfig {
        Violations v = new Violations();
        ListenerConnections.check(v, max, maxPerAddress, maxHandshakes, handshakeTimeout, requestTimeout,
                idleTimeout);
        v.throwIfAny();
    }

    /** How the file binds: an absent key is {@code null} and takes its default. */
    @JsonCreator
    static EstConnectionsConfig of(@JsonProperty("max") Integer max,
            @JsonProperty("max_per_address") Integer maxPerAddress,
            @JsonProperty("max_handshakes") Integer maxHandshakes,
            @JsonProperty("handshake_timeout") Duration handshakeTimeout,
            @JsonProperty("request_timeout") Duration requestTimeout,
            @JsonProperty("idle_timeout") Duration idleTimeout) {
        return new EstConnectionsConfig(max == null ? DEFAULT_MAX : max,
                maxPerAddress == null ? DEFAULT_MAX_PER_ADDRESS : maxPerAddress,
                maxHandshakes == null ? DEFAULT_MAX_HANDSHAKES : maxHandshakes,
                handshakeTimeout == null ? DEFAULT_HANDSHAKE_TIMEOUT : handshakeTimeout,
                requestTimeout == null ? DEFAULT_REQUEST_TIMEOUT : requestTimeout,
                idleTimeout == null ? DEFAULT_IDLE_TIMEOUT : idleTimeout);
    }

    public static EstConnectionsConfig defaults() {
        return of(null, null, null, null, null, null);
    }
}
