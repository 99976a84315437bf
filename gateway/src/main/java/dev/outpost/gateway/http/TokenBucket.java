package dev.outpost.gateway.http;

/**
 * One token bucket: {@code rate} tokens per second, holding at most {@code burstSeconds} of them, full at first.
 * Times are the caller's clock in milliseconds, so a fake clock drives it in tests. Thread-safe.
 */
public final class TokenBucket {
    private final double rate;
    private final double capacity;
    private double tokens;
    private long updated;

    private TokenBucket(long rate, int burstSeconds, long now) {
        this.rate = rate;
        this.capacity = (double) rate * burstSeconds;
        this.tokens = capacity;
        this.updated = now;
    }

    /** A full bucket, or null for a rate of 0 (no limit). */
    public static TokenBucket of(long rate, int burstSeconds, long now) {
        return rate == 0 ? null : new TokenBucket(rate, burstSeconds, now);
    }

    /**
     * Takes {@code amount} (at most the capacity: a request larger than the burst waits for a full bucket) and
     * returns 0, or takes nothing and returns the milliseconds until it would fit.
     */
    public synchronized long take(long amount, long now) {
        refill(now);
        double need = Math.min(amount, capacity);
        if (tokens >= need) {
            tokens -= need;
            return 0;
        }
        return Math.max(1, (long) Math.ceil((need - tokens) * 1000 / rate));
    }

    /** Whether the bucket is full: its key has been idle long enough to be forgotten. */
    public synchronized boolean full(long now) {
        refill(now);
        return tokens >= capacity;
    }

    private void refill(long now) {
        if (now > updated) {
            tokens = Math.min(capacity, tokens + (now - updated) * rate / 1000);
            updated = now;
        }
    }

    /** Whether {@code bucket} is absent (no limit) or full. */
    public static boolean idle(TokenBucket bucket, long now) {
        return bucket == null || bucket.full(now);
    }
}
