package dev.outpost.gateway.config;

import com.fasterxml.jackson.annotation.JsonCreator;
import com.fasterxml.jackson.annotation.JsonProperty;
import dev.outpost.wire.config.Violations;

/**
 * The {@code ingest.rate_limits.org} section (see {@link RateLimit}). One org: all its agents together. The defaults hold a fleet of
 * 100,000 agents at a 10 s interval; lower them to share a gateway between orgs.
 */
public record OrgRateConfig(long requestsPerSecond, long bytesPerSecond, long pointsPerSecond)
        implements RateLimit {
    public static final long DEFAULT_REQUESTS_PER_SECOND = 20_000;
    public static final long DEFAULT_BYTES_PER_SECOND = 256L << 20;
    public static final long DEFAULT_POINTS_PER_SECOND = 5_000_000;

    /**
     * @throws dev.outpost.wire.config.InvalidConfigException naming each value out of range
     */
    public OrgRateConfig {
        Violations v = new Violations();
        RateLimit.check(v, requestsPerSecond, bytesPerSecond, pointsPerSecond);
        v.throwIfAny();
    }

    /** How the file binds: an absent key is {@code null} and takes its default. */
    @JsonCreator
    static OrgRateConfig of(@JsonProperty("requests_per_second") Long requests,
            @JsonProperty("bytes_per_second") Long bytes, @JsonProperty("points_per_second") Long points) {
        return new OrgRateConfig(requests == null ? DEFAULT_REQUESTS_PER_SECOND : requests,
                bytes == null ? DEFAULT_BYTES_PER_SECOND : bytes, points == null ? DEFAULT_POINTS_PER_SECOND : points);
    }

    public static OrgRateConfig defaults() {
        return of(null, null, null);
    }
}
