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
 * Token buckets of failed enrollment attempts, each holding {@code burst} failures and regaining one every
 * {@code refillEvery}: one per source address and one per token id <em>at</em> that address. While either bucket of
 * a request is empty it is answered 429 before its secret is checked, so guessing from an address is slow and cheap
 * to refuse. A token is never refused for everyone: someone who knows a token's id (it is printed and logged) and
 * sends wrong secrets from elsewhere cannot lock its real holder out. Failures with one token from any address also
 * fill a bucket of {@link #TOKEN_WIDE} times the burst, which is only reported (audited as a burst), never refused:
 * a 192-bit secret cannot be guessed online, so its job is to make a distributed attempt visible. Shared by every
 * EST connection; at most {@link #MAX_KEYS} buckets (full ones go first when that is reached).
 */
public final class FailedAuthLimiter {
    public static final int MAX_KEYS = 100_000;
    /** The token-wide bucket (audit only) holds this many times the burst. */
    public static final int TOKEN_WIDE = 20;
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

    /** Whole seconds to wait (at least 1) while the source's or the token-at-source bucket is empty, else 0. */
    public synchronized long retryAfterSeconds(String tokenId, String source) {
        Instant now = clock.instant();
        double missing = 0;
        for (String key : refusing(tokenId, source)) {
            Bucket b = buckets.get(key);
            if (b != null) {
                refill(b, now, burst);
                if (b.tokens < 1) {
                    missing = Math.max(missing, 1 - b.tokens);
                }
            }
        }
        return missing == 0 ? 0 : Math.max(1, (long) Math.ceil(missing * refillEvery.toMillis() / 1000.0));
    }

    /**
     * Counts one failure against the source's, the token-at-source and the token-wide buckets; returns the keys it
     * just emptied ("source ADDR", "token ID at ADDR", "token ID"), each reported once per burst.
     */
    public synchronized List<String> fail(String tokenId, String source) {
        Instant now = clock.instant();
        List<String> emptied = new ArrayList<>();
        List<String> keys = new ArrayList<>(refusing(tokenId, source));
        if (tokenId != null) {
            keys.add("token " + tokenId);
        }
        for (String key : keys) {
            int capacity = key.startsWith("token ") && !key.contains(" at ") ? burst * TOKEN_WIDE : burst;
            Bucket b = buckets.get(key);
            if (b == null) {
                makeRoom(now);
                b = new Bucket(capacity, now);
                buckets.put(key, b);
            }
            refill(b, now, capacity);
            boolean had = b.tokens >= 1;
            b.tokens = Math.max(0, b.tokens - 1);
            if (had && b.tokens < 1) {
                emptied.add(key);
            }
        }
        return emptied;
    }

    /** The buckets that refuse: the source's, and the token's at that source. */
    private static List<String> refusing(String tokenId, String source) {
        List<String> keys = new ArrayList<>(2);
        if (source != null) {
            keys.add("source " + source);
            if (tokenId != null) {
                keys.add("token " + tokenId + " at " + source);
            }
        } else if (tokenId != null) {
            keys.add("token " + tokenId + " at ?");
        }
        return keys;
    }

    private void refill(Bucket b, Instant now, int capacity) {
        if (now.isAfter(b.updated)) {
            double gained = (double) Duration.between(b.updated, now).toMillis() / refillEvery.toMillis();
            b.tokens = Math.min(capacity, b.tokens + gained);
            b.updated = now;
        }
    }

    private void makeRoom(Instant now) {
        if (buckets.size() < MAX_KEYS) {
            return;
        }
        buckets.values().removeIf(b -> {
            refill(b, now, Integer.MAX_VALUE);
            return b.tokens >= burst;
        });
        Iterator<String> it = buckets.keySet().iterator();
        while (buckets.size() >= MAX_KEYS && it.hasNext()) {
            it.next();
            it.remove();
        }
    }
}
