package dev.outpost.gateway.config;

import com.fasterxml.jackson.annotation.JsonCreator;
import com.fasterxml.jackson.annotation.JsonProperty;
import dev.outpost.wire.config.Violations;
import java.net.InetSocketAddress;
import java.time.Duration;

/**
 * The {@code est} section: where the enrollment (EST, RFC 7030) listener accepts connections, and how many failed
 * authentications a token id or a source address may make ({@code failed_auth_burst}, regaining one every
 * {@code failed_auth_refill}) before it is answered 429, its connection bounds and its request rates.
 */
public record EstConfig(InetSocketAddress listen, int failedAuthBurst, Duration failedAuthRefill,
        EstConnectionsConfig connections, EstRateLimitsConfig rateLimits) {
    public static final InetSocketAddress DEFAULT_LISTEN = ListenAddresses.parse("0.0.0.0:8443");
    public static final int DEFAULT_FAILED_AUTH_BURST = 5;
    public static final Duration DEFAULT_FAILED_AUTH_REFILL = Duration.ofSeconds(10);

    /**
     * @throws dev.outpost.wire.config.InvalidConfigException naming each value out of range
     */
    public EstConfig {
        listen = listen == null ? DEFAULT_LISTEN : listen;
        connections = connections == null ? EstConnectionsConfig.defaults() : connections;
        rateLimits = rateLimits == null ? EstRateLimitsConfig.defaults() : rateLimits;
        Violations v = new Violations();
        v.between("failed_auth_burst", failedAuthBurst, 1, 1000, DEFAULT_FAILED_AUTH_BURST);
        if (failedAuthRefill == null) {
            v.add("failed_auth_refill", "missing; use e.g. \"10s\"");
        } else {
            v.durationBetween("failed_auth_refill", failedAuthRefill, Duration.ofSeconds(1), Duration.ofHours(1),
                    DEFAULT_FAILED_AUTH_REFILL);
        }
        v.throwIfAny();
    }

    /** How the file binds: an absent key is {@code null} and takes its default. */
    @JsonCreator
    static EstConfig of(@JsonProperty("listen") InetSocketAddress listen,
            @JsonProperty("failed_auth_burst") Integer failedAuthBurst,
            @JsonProperty("failed_auth_refill") Duration failedAuthRefill,
            @JsonProperty("connections") EstConnectionsConfig connections,
            @JsonProperty("rate_limits") EstRateLimitsConfig rateLimits) {
        return new EstConfig(listen, failedAuthBurst == null ? DEFAULT_FAILED_AUTH_BURST : failedAuthBurst,
                failedAuthRefill == null ? DEFAULT_FAILED_AUTH_REFILL : failedAuthRefill, connections, rateLimits);
    }

    public static EstConfig defaults() {
        return of(null, null, null, null, null);
    }
}
