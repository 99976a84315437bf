package dev.outpost.gateway.config;

import com.fasterxml.jackson.annotation.JsonCreator;
import com.fasterxml.jackson.annotation.JsonProperty;
import dev.outpost.wire.config.Violations;

/**
 * The {@code ingest.rate_limits.agent} section (see {@link RateLimit}). One agent: enough to drain a day of 10 s batches (8,640) in
 * about seven minutes after an outage, and no more, so one agent, even with a stolen key, cannot take a large share.
 */
public record AgentRateConfig(long requestsPerSecond, long bytesPerSecond, long pointsPerSecond)
        implements RateLimit {
    public static final long DEFAULT_REQUESTS_PER_SECOND = 20;
    public static final long DEFAULT_BYTES_PER_SECOND = 4L << 20;
    public static final long DEFAULT_POINTS_PER_SECOND = 50_000;

    /**
     * @throws dev.outpost.wire.config.InvalidConfigException naming each value out of range
     */
    public AgentRateConfig {
        Violations v = new Violations();
        RateLimit.check(v, requestsPerSecond, bytesPerSecond, pointsPerSecond);
        v.throwIfAny();
    }

    /** How the file binds: an absent key is {@code null} and takes its default. */
    @JsonCreator
    static AgentRateConfig of(@JsonProperty("requests_per_second") Long requests,
            @JsonProperty("bytes_per_second") Long bytes, @JsonProperty("points_per_second") Long points) {
        return new AgentRateConfig(requests == null ? DEFAULT_REQUESTS_PER_SECOND : requests,
                bytes == null ? DEFAULT_BYTES_PER_SECOND : bytes, points == null ? DEFAULT_POINTS_PER_SECOND : points);
    }

    public static AgentRateConfig defaults() {
        return of(null, null, null);
    }
}
