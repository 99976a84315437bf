package dev.outpost.gateway.est;

import dev.outpost.gateway.ca.AgentIdentity;
import dev.outpost.gateway.config.EstRateLimitsConfig;
import dev.outpost.gateway.http.KeyedBuckets;
import dev.outpost.gateway.http.TokenBucket;
import dev.outpost.gateway.ingest.RateLimiter;
import dev.outpost.gateway.ingest.RateLimiter.Decision;
import java.time.Clock;
import java.util.Objects;

/**
 * Fair sharing of the EST listener (see {@link EstRateLimitsConfig}): one request bucket per source address, taken
 * by every request before anything else; one per org, taken by enrollments once their token has authenticated and
 * by renewals; one per agent, taken by its renewals. At most {@link #MAX_KEYS} of each kind are tracked (see
 * {@link KeyedBuckets}).
 */
public final class EstRateLimiter {
    public static final int MAX_KEYS = 100_000;
    private final EstRateLimitsConfig config;
    private final Clock clock;
    private final KeyedBuckets<TokenBucket> addresses = new KeyedBuckets<>(MAX_KEYS, TokenBucket::idle);
    private final KeyedBuckets<TokenBucket> orgs = new KeyedBuckets<>(MAX_KEYS, TokenBucket::idle);
    private final KeyedBuckets<TokenBucket> agents = new KeyedBuckets<>(MAX_KEYS, TokenBucket::idle);

    public EstRateLimiter(EstRateLimitsConfig config, Clock clock) {
        this.config = Objects.requireNonNull(config, "config");
        this.clock = Objects.requireNonNull(clock, "clock");
    }

    /** Any EST request from {@code address}. */
    public Decision request(String address) {
        return take(addresses, address, config.addressRequestsPerSecond(), "address requests");
    }

    /** An enrollment of {@code org} whose token has authenticated. */
    public Decision enrollment(String org) {
        return take(orgs, org, config.orgRequestsPerSecond(), "org requests");
    }

    /** A renewal by {@code id}: its own bucket, then its org's. */
    public Decision renewal(AgentIdentity id) {
        Decision d = take(agents, id.agentId(), config.agentRequestsPerSecond(), "agent requests");
        return d.allowed() ? enrollment(id.org()) : d;
    }

    private Decision take(KeyedBuckets<TokenBucket> map, String key, long rate, String what) {
        long now = clock.millis();
        if (rate == 0) {
            return RateLimiter.decide(null, 1, now, what);
        }
        return RateLimiter.decide(map.get(key, t -> TokenBucket.of(rate, config.burstSeconds(), t), now), 1, now,
                what);
    }
}
