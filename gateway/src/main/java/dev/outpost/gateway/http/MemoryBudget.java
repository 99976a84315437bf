package dev.outpost.gateway.http;

import java.util.ArrayDeque;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A bound on the request bodies a listener holds in memory at once, across all its connections: each request
 * reserves its {@code Content-Length} before its body is read, and gives it back once handled. A request that
 * does not fit is answered 503 with {@code Retry-After} unread, so ten thousand agents sending at once cost at most
 * this much heap, whatever the per-request bound.
 */
public final class MemoryBudget {
    private final long max;
    private final AtomicLong used = new AtomicLong();

    public MemoryBudget(long max) {
        if (max < 1) {
            throw new IllegalArgumentException("memory budget " + max + " must be positive");
        }
        this.max = max;
    }

    /** Takes {@code bytes} if they fit. */
    boolean reserve(long bytes) {
        while (true) {
            long now = used.get();
            if (now + bytes > max && bytes > 0) {
                return false;
            }
            if (used.compareAndSet(now, now + bytes)) {
                return true;
            }
        }
    }

    void release(long bytes) {
        used.addAndGet(-bytes);
    }

    /** Bytes reserved now. */
    public long used() {
        return used.get();
    }

    public long max() {
        return max;
    }

    /**
     * One connection's reservations, oldest first: the aggregator adds one per request it passes on (0 for a
     * refused one), the handler gives back the oldest when it is done with a request, and a closed connection
     * gives back all. Used on the connection's event loop only.
     */
    public static final class Held {
        private final MemoryBudget budget;
        private final ArrayDeque<Long> held = new ArrayDeque<>();

        public Held(MemoryBudget budget) {
            this.budget = budget;
        }

        boolean reserve(long bytes) {
            return budget.reserve(bytes);
        }

        void hold(long bytes) {
            held.addLast(bytes);
        }

        /** The handler is done with the oldest request. */
        public void releaseOldest() {
            Long bytes = held.pollFirst();
            if (bytes != null) {
                budget.release(bytes);
            }
        }

        /** The connection closed. */
        public void releaseAll() {
            for (Long bytes = held.pollFirst(); bytes != null; bytes = held.pollFirst()) {
                budget.release(bytes);
            }
        }
    }
}
