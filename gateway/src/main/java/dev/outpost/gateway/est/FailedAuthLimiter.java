package dev.outpost.gateway.est;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * Token buckets of failed enrollment attempts, one per token id and one per source address: each holds
 * {@code burst} failures and regains one every {@code refillEvery}. While either bucket of a request is empty the
 * request is answered 429 before its secret is checked, so guessing secrets is slow and cheap to refuse. Shared
 * by every EST connection; at most {@link #MAX_KEYS} buckets (full ones go first when that is reached).
 */
public final class FailedAuthLimiter {
    public static final int MAX_KEYS = 100_000;
    private final int burst;
    private final Duration refillEvery;
    private final Clock clock;
    private final Map<String, Bucket> buckets = new HashMap<>();

    private static final class Bucket {
        double tokens;
        Instant updated;

        Bucket(double tokens, Instant updated) {
            this.tokens = tokens;
            this.updated = updated;
        }
    }

    public FailedAuthLimiter(int burst, Duration refillEvery, Clock clock) {
        if (burst < 1) {
            throw new IllegalArgumentException("burst " + burst + " must be at least 1");
        }
        if (refillEvery == null || refillEvery.isNegative() || refillEvery.isZero()) {
            throw new IllegalArgumentException("refillEvery " + refillEvery + " must be positive");
        }
        this.burst = burst;
        this.refillEvery = refillEvery;
        this.clock = Objects.requireNonNull(clock, "clock");
    }

    /** Whole seconds to wait (at least 1) while the token's or the source's bucket is empty, else 0. */
    public synchronized long retryAfterSeconds(String tokenId, String source) {
        Instant now = clock.instant();
        double missing = 0;
        for (String key : keys(tokenId, source)) {
            Bucket b = buckets.get(key);
            if (b != null) {
                refill(b, now);
                if (b.tokens < 1) {
                    missing = Math.max(missing, 1 - b.tokens);
                }
            }
        }
        return missing == 0 ? 0 : Math.max(1, (long) Math.ceil(missing * refillEvery.toMillis() / 1000.0));
    }

    /** Counts one failure against both buckets; returns the keys ("token ID", "source ADDR") it just emptied. */
    public synchronized List<String> fail(String tokenId, String source) {
        Instant now = clock.instant();
        List<String> emptied = new ArrayList<>();
        for (String key : keys(tokenId, source)) {
            Bucket b = buckets.get(key);
            if (b == null) {
                makeRoom(now);
                b = new Bucket(burst, now);
                buckets.put(key, b);
            }
            refill(b, now);
            boolean had = b.tokens >= 1;
            b.tokens = Math.max(0, b.tokens - 1);
            if (had && b.tokens < 1) {
                emptied.add(key);
            }
        }
        return emptied;
    }

    private static List<String> keys(String tokenId, String source) {
        List<String> keys = new ArrayList<>(2);
        if (tokenId != null) {
            keys.add("token " + tokenId);
        }
        if (source != null) {
            keys.add("source " + source);
        }
        return keys;
    }

    private void refill(Bucket b, Instant now) {
        if (now.isAfter(b.updated)) {
            double gained = (double) Duration.between(b.updated, now).toMillis() / refillEvery.toMillis();
            b.tokens = Math.min(burst, b.tokens + gained);
            b.updated = now;
        }
    }

    private void makeRoom(Instant now) {
        if (buckets.size() < MAX_KEYS) {
            return;
        }
        buckets.values().removeIf(b -> {
            refill(b, now);
            return b.tokens >= burst;
        });
        Iterator<String> it = buckets.keySet().iterator();
        while (buckets.size() >= MAX_KEYS && it.hasNext()) {
            it.next();
            it.remove();
        }
    }
}
