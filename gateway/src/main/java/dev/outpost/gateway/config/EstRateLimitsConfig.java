package dev.outpost.gateway.config;

import com.fasterxml.jackson.annotation.JsonCreator;
import com.fasterxml.jackson.annotation.JsonProperty;
import dev.outpost.wire.config.Violations;

/**
 * The {@code est.rate_limits} section: token buckets for EST requests per source address (every request, before
 * anything else is looked at), per org (enrollments with a valid token and renewals) and per agent (renewals), each
 * holding {@code burst_seconds} of its rate; 0 means no limit. Bytes follow from requests: an EST body is at most
 * {@link #MAX_BODY_BYTES}. A request over a bucket is answered 429 with {@code Retry-After}.
 */
public record EstRateLimitsConfig(int burstSeconds, long addressRequestsPerSecond, long orgRequestsPerSecond,
        long agentRequestsPerSecond) {
    /** The EST listener's largest request body: a CSR of the largest key type allowed, with room to spare. */
    public static final int MAX_BODY_BYTES = 16 * 1024;
    public static final int DEFAULT_BURST_SECONDS = 10;
    public static final long DEFAULT_ADDRESS_REQUESTS_PER_SECOND = 200;
    public static final long DEFAULT_ORG_REQUESTS_PER_SECOND = 1000;
    public static final long DEFAULT_AGENT_REQUESTS_PER_SECOND = 1;

    /**
     * @throws dev.outpost.wire.config.InvalidConfigException naming each value out of range
     */
    public EstRateLimitsConfig {
        Violations v = new Violations();
        v.between("burst_seconds", burstSeconds, 1, 3600, DEFAULT_BURST_SECONDS);
        v.between("address_requests_per_second", addressRequestsPerSecond, 0, 10_000_000,
                DEFAULT_ADDRESS_REQUESTS_PER_SECOND);
        v.between("org_requests_per_second", orgRequestsPerSecond, 0, 10_000_000, DEFAULT_ORG_REQUESTS_PER_SECOND);
        v.between("agent_requests_per_second", agentRequestsPerSecond, 0, 10_000_000,
                DEFAULT_AGENT_REQUESTS_PER_SECOND);
        v.throwIfAny();
    }

    /** How the file binds: an absent key is {@code null} and takes its default. */
    @JsonCreator
    static EstRateLimitsConfig of(@JsonProperty("burst_seconds") Integer burstSeconds,
            @JsonProperty("address_requests_per_second") Long address,
            @JsonProperty("org_requests_per_second") Long org,
            @JsonProperty("agent_requests_per_second") Long agent) {
        return new EstRateLimitsConfig(burstSeconds == null ? DEFAULT_BURST_SECONDS : burstSeconds,
                address == null ? DEFAULT_ADDRESS_REQUESTS_PER_SECOND : address,
                org == null ? DEFAULT_ORG_REQUESTS_PER_SECOND : org,
                agent == null ? DEFAULT_AGENT_REQUESTS_PER_SECOND : agent);
    }

    public static EstRateLimitsConfig defaults() {
        return of(null, null, null, null);
    }
}
