package dev.outpost.agent.transport;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.time.format.DateTimeParseException;
import java.util.random.RandomGenerator;

/**
 * Exponential backoff with full jitter (a uniformly random delay between 0 and min(cap, initial * 2^n)),
 * so that a fleet never retries in step; a server's {@code Retry-After} is honoured up to {@code maxRetryAfter}.
 * The first retry after a connection was lost (no answer at all: a gateway died or restarted) waits a random time
 * up to {@code reconnectSpread} instead, so that the agents of a lost gateway reach the others spread over that
 * time, not in the same second.
 */
public final class Backoff {
    private final Duration initial;
    private final Duration cap;
    private final Duration maxRetryAfter;
    private final RandomGenerator random;
    private final Clock clock;
    private final Duration reconnectSpread;
    private int failures;

    /** Backoff without a reconnect spread of its own (the first retry after a lost connection is as any other). */
    public Backoff(Duration initial, Duration cap, Duration maxRetryAfter, RandomGenerator random, Clock clock) {
        this(initial, cap, maxRetryAfter, Duration.ZERO, random, clock);
    }

    public Backoff(Duration initial, Duration cap, Duration maxRetryAfter, Duration reconnectSpread,
            RandomGenerator random, Clock clock) {
        if (reconnectSpread.isNegative()) {
            throw new IllegalArgumentException("reconnect spread " + reconnectSpread + " must not be negative");
        }
        this.reconnectSpread = reconnectSpread;
        if (initial.isNegative() || initial.isZero()) {
            throw new IllegalArgumentException("initial backoff " + initial + " must be positive");
        }
        if (cap.compareTo(initial) < 0) {
            throw new IllegalArgumentException("backoff cap " + cap + " is below the initial delay " + initial);
        }
        this.initial = initial;
        this.cap = cap;
        this.maxRetryAfter = maxRetryAfter;
        this.random = random;
        this.clock = clock;
    }

    /** Records a failure and returns how long to wait before the next attempt. */
    public Duration nextDelay(String retryAfter) {
        return nextDelay(retryAfter, false);
    }

    /**
     * Records a failure and returns how long to wait before the next attempt; {@code connectionLost}: there was no
     * answer at all (refused, reset, timed out), so the first such wait after a success is spread over
     * {@code reconnectSpread}.
     */
    public Duration nextDelay(String retryAfter, boolean connectionLost) {
        int n = Math.min(failures, 30);
        failures++;
        long ceiling = Math.min(cap.toMillis(), initial.toMillis() << Math.min(n, 20));
        if (connectionLost && n == 0) {
            ceiling = Math.max(ceiling, reconnectSpread.toMillis());
        }
        Duration jittered = Duration.ofMillis(random.nextLong(ceiling + 1));
        Duration server = parseRetryAfter(retryAfter);
        if (server == null) {
            return jittered;
        }
        Duration honoured = server.compareTo(maxRetryAfter) > 0 ? maxRetryAfter : server;
        return honoured.compareTo(jittered) > 0 ? honoured : jittered;
    }

    /** A success resets the sequence. */
    public void reset() {
        failures = 0;
    }

    public int failures() {
        return failures;
    }

    /** {@code Retry-After} as delta-seconds or an HTTP-date; null if absent or unreadable. */
    Duration parseRetryAfter(String value) {
        if (value == null || value.isBlank()) {
            return null;
        }
        String v = value.trim();
        if (v.matches("\\d{1,9}")) {
            return Duration.ofSeconds(Long.parseLong(v));
        }
        try {
            Instant at = ZonedDateTime.parse(v, DateTimeFormatter.RFC_1123_DATE_TIME).toInstant();
            Duration d = Duration.between(clock.instant(), at);
            return d.isNegative() ? Duration.ZERO : d;
        } catch (DateTimeParseException e) {
            return null;
        }
    }
}
