package dev.outpost.gateway.config;

import com.fasterxml.jackson.annotation.JsonCreator;
import com.fasterxml.jackson.annotation.JsonProperty;
import dev.outpost.wire.config.Violations;

/**
 * The {@code ingest.rate_limits} section: token buckets per agent and per org for requests, bytes and data points,
 * each holding {@code burst_seconds} of its rate. A request over any bucket is answered 429 with
 * {@code Retry-After} (which agents honour), counted per org, and logged at most once a minute per org.
 */
public record RateLimitsConfig(int burstSeconds, AgentRateConfig agent, OrgRateConfig org) {
    public static final int DEFAULT_BURST_SECONDS = 10;

    /**
     * @throws dev.outpost.wire.config.InvalidConfigException naming each value out of range
     */
    public RateLimitsConfig {
        agent = agent == null ? AgentRateConfig.defaults() : agent;
        org = org == null ? OrgRateConfig.defaults() : org;
        Violations v = new Violations();
        v.between("burst_seconds", burstSeconds, 1, 3600, DEFAULT_BURST_SECONDS);
        v.throwIfAny();
    }

    /** How the file binds: an absent key is {@code null} and takes its default. */
    @JsonCreator
    static RateLimitsConfig of(@JsonProperty("burst_seconds") Integer burstSeconds,
            @JsonProperty("agent") AgentRateConfig agent, @JsonProperty("org") OrgRateConfig org) {
        return new RateLimitsConfig(burstSeconds == null ? DEFAULT_BURST_SECONDS : burstSeconds, agent, org);
    }

    public static RateLimitsConfig defaults() {
        return of(null, null, null);
    }
}
