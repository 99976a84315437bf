package dev.outpost.gateway.http;

import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.BiPredicate;
import java.util.function.LongFunction;

/**
 * The buckets of many keys (agents, orgs, source addresses), at most {@code maxKeys} of them. When the map is full,
 * the keys whose buckets are full again (idle ones) are forgotten; if every key is busy the whole map is dropped and
 * every key starts over with a full bucket: memory stays bounded, and the worst an attacker holding more than
 * {@code maxKeys} keys gets is one more burst each. Thread-safe.
 *
 * @param <B> what one key holds
 */
public final class KeyedBuckets<B> {
    private final int maxKeys;
    private final BiPredicate<B, Long> idle;
    private final Map<String, B> buckets = new ConcurrentHashMap<>();

    /**
     * @param idle whether a key's buckets are full at a time, so that forgetting it changes nothing
     */
    public KeyedBuckets(int maxKeys, BiPredicate<B, Long> idle) {
        if (maxKeys < 1) {
            throw new IllegalArgumentException("maxKeys " + maxKeys + " must be at least 1");
        }
        this.maxKeys = maxKeys;
        this.idle = idle;
    }

    /** The buckets of {@code key}; {@code create} makes them full at a time in milliseconds if it has none. */
    public B get(String key, LongFunction<B> create, long now) {
        B b = buckets.get(key);
        if (b != null) {
            return b;
        }
        if (buckets.size() >= maxKeys) {
            synchronized (this) {
                if (buckets.size() >= maxKeys) {
                    buckets.values().removeIf(x -> idle.test(x, now));
                    if (buckets.size() >= maxKeys) {
                        buckets.clear();
                    }
                }
            }
        }
        return buckets.computeIfAbsent(key, k -> create.apply(now));
    }

    /** Keys tracked now. */
    public int size() {
        return buckets.size();
    }
}
