package dev.outpost.gateway.ingest;

import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.LongAdder;

/**
 * The gateway's own ingest health, as counters since start: what came in, what the sink stored, refused or could
 * not take, how long deliveries took, and what was answered 429/503. Shown by {@code outpost-gateway watch} and
 * logged at shutdown. Keys of the per-reason maps come from a fixed vocabulary (reasons, not user input) or are
 * org names, bounded by {@link #MAX_KEYS}.
 */
public final class IngestStats {
    public static final int MAX_KEYS = 1_000;
    public final LongAdder batchesIn = new LongAdder();
    public final LongAdder pointsIn = new LongAdder();
    public final LongAdder batchesStored = new LongAdder();
    public final LongAdder pointsStored = new LongAdder();
    public final LongAdder duplicates = new LongAdder();
    public final LongAdder groups = new LongAdder();
    /** Batches answered 503 because the sink could not take them (store down, slow, failing disk). */
    public final LongAdder unavailable = new LongAdder();
    /** Batches answered 503 because the pipeline's queue was full (the sink slower than the fleet). */
    public final LongAdder overloaded = new LongAdder();
    /** Requests refused before the pipeline, by HTTP status ("400", "413", "429", ...). */
    private final Map<String, LongAdder> refusedRequests = new ConcurrentHashMap<>();
    /** Data points a store refused for good, by reason. */
    private final Map<String, LongAdder> refusedPoints = new ConcurrentHashMap<>();
    /** Failed deliveries, by reason. */
    private final Map<String, LongAdder> sinkFailures = new ConcurrentHashMap<>();
    /** Requests answered 429, by org. */
    private final Map<String, LongAdder> limitedByOrg = new ConcurrentHashMap<>();
    private final LongAdder deliveryNanos = new LongAdder();
    private final AtomicLong lastDeliveryNanos = new AtomicLong();
    private final AtomicLong maxDeliveryNanos = new AtomicLong();

    public void refusedRequest(int status) {
        count(refusedRequests, Integer.toString(status), 1);
    }

    /** A request refused for a reason other than an ingest status, e.g. "est 429". */
    public void refusedRequest(String reason) {
        count(refusedRequests, reason, 1);
    }

    public void refusedPoints(String reason, long points) {
        count(refusedPoints, reason, points);
    }

    public void sinkFailure(String reason) {
        count(sinkFailures, reason, 1);
    }

    public void limited(String org) {
        count(limitedByOrg, org, 1);
    }

    /** One group delivered (or failed) after {@code nanos}. */
    public void delivery(long nanos) {
        groups.increment();
        deliveryNanos.add(nanos);
        lastDeliveryNanos.set(nanos);
        maxDeliveryNanos.accumulateAndGet(nanos, Math::max);
    }

    public long lastDeliveryNanos() {
        return lastDeliveryNanos.get();
    }

    public long maxDeliveryNanos() {
        return maxDeliveryNanos.get();
    }

    /** Mean delivery time per group since start, 0 before the first. */
    public long meanDeliveryNanos() {
        long n = groups.sum();
        return n == 0 ? 0 : deliveryNanos.sum() / n;
    }

    public Map<String, Long> refusedRequests() {
        return snapshot(refusedRequests);
    }

    public Map<String, Long> refusedPoints() {
        return snapshot(refusedPoints);
    }

    public Map<String, Long> sinkFailures() {
        return snapshot(sinkFailures);
    }

    public Map<String, Long> limitedByOrg() {
        return snapshot(limitedByOrg);
    }

    private static void count(Map<String, LongAdder> map, String key, long n) {
        LongAdder a = map.get(key);
        if (a == null) {
            if (map.size() >= MAX_KEYS) {
                key = "(other)";
            }
            a = map.computeIfAbsent(key, k -> new LongAdder());
        }
        a.add(n);
    }

    private static Map<String, Long> snapshot(Map<String, LongAdder> map) {
        Map<String, Long> out = new TreeMap<>();
        map.forEach((k, v) -> out.put(k, v.sum()));
        return out;
    }
}
