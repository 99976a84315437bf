package dev.outpost.gateway.ingest;

import dev.outpost.gateway.ca.AgentIdentity;
import dev.outpost.gateway.config.RateLimit;
import dev.outpost.gateway.config.RateLimitsConfig;
import java.time.Clock;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Fair sharing of the ingest listener: token buckets for requests, bytes and data points, one set per agent and
 * one per org, each holding {@code burst_seconds} of its rate. Requests and bytes are taken before a body is
 * decoded, data points once the scan has counted them. A request that finds any of its buckets short is refused
 * with the seconds until it would fit; what it took from other buckets stays taken. At most {@link #MAX_KEYS}
 * agents and orgs are tracked; full buckets (idle keys) are forgotten first.
 */
public final class RateLimiter {
    public static final int MAX_KEYS = 200_000;
    private final RateLimitsConfig config;
    private final Clock clock;
    private final Map<String, Buckets> buckets = new ConcurrentHashMap<>();

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

    private Decision take(Bucket b, long amount, long now, String what) {
        if (b == null) {
            return Decision.ALLOWED;
        }
        long waitMillis = b.take(amount, now);
        return waitMillis == 0 ? Decision.ALLOWED
                : new Decision(false, Math.max(1, (waitMillis + 999) / 1000), what);
    }

    private Buckets buckets(String key, RateLimit limit, long now) {
        Buckets b = buckets.get(key);
        if (b == null) {
            if (buckets.size() >= MAX_KEYS) {
                buckets.values().removeIf(x -> x.idle(now));
            }
            b = buckets.computeIfAbsent(key, k -> new Buckets(limit, config.burstSeconds(), now));
        }
        return b;
    }

    /** Keys tracked now. */
    public int size() {
        return buckets.size();
    }

    /** The three buckets of one agent or org; null where the rate is 0 (no limit). */
    private static final class Buckets {
        final Bucket requests;
        final Bucket bytes;
        final Bucket points;

        Buckets(RateLimit limit, int burstSeconds, long now) {
            requests = Bucket.of(limit.requestsPerSecond(), burstSeconds, now);
            bytes = Bucket.of(limit.bytesPerSecond(), burstSeconds, now);
            points = Bucket.of(limit.pointsPerSecond(), burstSeconds, now);
        }

        boolean idle(long now) {
            return (requests == null || requests.full(now)) && (bytes == null || bytes.full(now))
                    && (points == null || points.full(now));
        }
    }

    /** One token bucket: {@code rate} per second, holding at most {@code capacity}. */
    static final class Bucket {
        private final double rate;
        private final double capacity;
        private double tokens;
        private long updated;

        private Bucket(long rate, int burstSeconds, long now) {
            this.rate = rate;
            this.capacity = (double) rate * burstSeconds;
            this.tokens = capacity;
            this.updated = now;
        }

        static Bucket of(long rate, int burstSeconds, long now) {
            return rate == 0 ? null : new Bucket(rate, burstSeconds, now);
        }

        /** Takes {@code amount} and returns 0, or takes nothing and returns the milliseconds until it fits. */
        synchronized long take(long amount, long now) {
            refill(now);
            double need = Math.min(amount, capacity);
            if (tokens >= need) {
                tokens -= need;
                return 0;
            }
            return Math.max(1, (long) Math.ceil((need - tokens) * 1000 / rate));
        }

        synchronized boolean full(long now) {
            refill(now);
            return tokens >= capacity;
        }

        private void refill(long now) {
            if (now > updated) {
                tokens = Math.min(capacity, tokens + (now - updated) * rate / 1000);
                updated = now;
            }
        }
    }
}
