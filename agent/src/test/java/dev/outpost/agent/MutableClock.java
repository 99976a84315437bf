package dev.outpost.agent;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;

/**
 * A clock the test moves by hand, so what happens when is decided by the test and not by how fast it runs; or,
 * made {@link #stepping}, one that also moves by a fixed step each time it is read, so measured durations are exact.
 */
public final class MutableClock extends Clock {
    private final Duration step;
    private Instant now;

    public MutableClock(Instant start) {
        this(start, Duration.ZERO);
    }

    private MutableClock(Instant start, Duration step) {
        this.now = start;
        this.step = step;
    }

    /** A clock that reads {@code start}, then {@code start + step}, and so on. */
    public static MutableClock stepping(Instant start, Duration step) {
        return new MutableClock(start, step);
    }

    public void advance(Duration d) {
        now = now.plus(d);
    }

    @Override
    public Instant instant() {
        Instant current = now;
        now = now.plus(step);
        return current;
    }

    @Override
    public ZoneId getZone() {
        return ZoneOffset.UTC;
    }

    @Override
    public Clock withZone(ZoneId zone) {
        throw new UnsupportedOperationException("a mutable test clock is always UTC");
    }
}
