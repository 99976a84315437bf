package dev.outpost.gateway.ingest;

import dev.outpost.gateway.ca.AgentIdentity;
import dev.outpost.gateway.config.RateLimit;
import dev.outpost.gateway.config.RateLimitsConfig;
import java.time.Clock;
import dev.outpost.gateway.http.KeyedBuckets;
import dev.outpost.gateway.http.TokenBucket;
import java.util.Objects;

/**
 * Fair sharing of the ingest listener: token buckets for requests, bytes and data points, one set per agent and
 * one per org, each holding {@code burst_seconds} of its rate. Requests and bytes are taken before a body is
 * decoded, data points once the scan has counted them. A request that finds any of its buckets short is refused
 * with the seconds until it would fit; what it took from other buckets stays taken. At most {@link #MAX_KEYS}
 * agents and orgs are tracked (see {@link KeyedBuckets}).
 */
public final class RateLimiter {
    public static final int MAX_KEYS = 200_000;
    private final RateLimitsConfig config;
    private final Clock clock;
    private final KeyedBuckets<Buckets> buckets = new KeyedBuckets<>(MAX_KEYS, Buckets::idle);

    /** Allowed, or refused with the seconds to wait and what ran out ("agent requests", "org data points"). */
    public record Decision(boolean allowed, long retryAfterSeconds, String exhausted) {
        static final Decision ALLOWED = new Decision(true, 0, null);
    }

    public RateLimiter(RateLimitsConfig config, Clock clock) {
        this.config = Objects.requireNonNull(config, "config");
        this.clock = Objects.requireNonNull(clock, "clock");
    }

    /** Takes one request of {@code bytes} from the agent's and its org's buckets. */
    public Decision admit(AgentIdentity id, long bytes) {
        long now = clock.millis();
        Buckets agent = buckets("a " + id.agentId(), config.agent(), now);
        Buckets org = buckets("o " + id.org(), config.org(), now);
        Decision d = take(agent.requests, 1, now, "agent requests");
        d = d.allowed() ? take(agent.bytes, bytes, now, "agent bytes") : d;
        d = d.allowed() ? take(org.requests, 1, now, "org requests") : d;
        return d.allowed() ? take(org.bytes, bytes, now, "org bytes") : d;
    }

    /** Takes {@code points} data points from the agent's and its org's buckets. */
    public Decision points(AgentIdentity id, long points) {
        long now = clock.millis();
        Decision d = take(buckets("a " + id.agentId(), config.agent(), now).points, points, now, "agent data points");
        return d.allowed() ? take(buckets("o " + id.org(), config.org(), now).points, points, now, "org data points")
                : d;
    }

    private static Decision take(TokenBucket b, long amount, long now, String what) {
        if (b == null) {
            return Decision.ALLOWED;
        }
        long waitMillis = b.take(amount, now);
        return waitMillis == 0 ? Decision.ALLOWED
                : new Decision(false, Math.max(1, (waitMillis + 999) / 1000), what);
    }

    /** Refused with the seconds until {@code b} would hold {@code amount}, or allowed; for other listeners' limits. */
    public static Decision decide(TokenBucket b, long amount, long now, String what) {
        return take(b, amount, now, what);
    }

    private Buckets buckets(String key, RateLimit limit, long now) {
        return buckets.get(key, t -> new Buckets(limit, config.burstSeconds(), t), now);
    }

    /** Keys tracked now. */
    public int size() {
        return buckets.size();
    }

    /** The three buckets of one agent or org; null where the rate is 0 (no limit). */
    private static final class Buckets {
        final TokenBucket requests;
        final TokenBucket bytes;
        final TokenBucket points;

        Buckets(RateLimit limit, int burstSeconds, long now) {
            requests = TokenBucket.of(limit.requestsPerSecond(), burstSeconds, now);
            bytes = TokenBucket.of(limit.bytesPerSecond(), burstSeconds, now);
            points = TokenBucket.of(limit.pointsPerSecond(), burstSeconds, now);
        }

        boolean idle(long now) {
            return TokenBucket.idle(requests, now) && TokenBucket.idle(bytes, now) && TokenBucket.idle(points, now);
        }
    }
}
