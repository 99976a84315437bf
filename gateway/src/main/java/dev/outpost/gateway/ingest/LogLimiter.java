package dev.outpost.gateway.ingest;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;

/**
 * Lets a log line through at most once per interval per key (an org, a reason, a source address), so that a
 * flood of refusals costs one line a minute, not one per request. Remembers at most {@code maxKeys} keys; the
 * least recently allowed go first. Thread-safe.
 */
public final class LogLimiter {
    private final Clock clock;
    private final Duration interval;
    private final int maxKeys;
    private final Map<String, Entry> next;

    private static final class Entry {
        Instant allowedAt;
        long suppressed;
    }

    public LogLimiter(Clock clock, Duration interval, int maxKeys) {
        this.clock = Objects.requireNonNull(clock, "clock");
        if (interval == null || interval.isNegative() || interval.isZero()) {
            throw new IllegalArgumentException("interval " + interval + " must be positive");
        }
        if (maxKeys < 1) {
            throw new IllegalArgumentException("maxKeys " + maxKeys + " must be at least 1");
        }
        this.interval = interval;
        this.maxKeys = maxKeys;
        this.next = new LinkedHashMap<>(16, 0.75f, true) {
            private static final long serialVersionUID = 1L;

            @Override
            protected boolean removeEldestEntry(Map.Entry<String, Entry> eldest) {
                return size() > LogLimiter.this.maxKeys;
            }
        };
    }

    /**
     * -1 if a line for {@code key} is not due yet (it is counted as suppressed), else how many lines were
     * suppressed since the last one let through (0 or more): log now, saying so when it is above 0.
     */
    public synchronized long allow(String key) {
        Instant now = clock.instant();
        Entry e = next.computeIfAbsent(key, k -> new Entry());
        if (e.allowedAt != null && now.isBefore(e.allowedAt)) {
            e.suppressed++;
            return -1;
        }
        long suppressed = e.suppressed;
        e.suppressed = 0;
        e.allowedAt = now.plus(interval);
        return suppressed;
    }
}
