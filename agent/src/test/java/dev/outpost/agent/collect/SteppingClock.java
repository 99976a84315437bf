package dev.outpost.agent.collect;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;

/** A clock that moves forward by a fixed step each time it is read, so measured durations are exact. */
final class SteppingClock extends Clock {
    private final Duration step;
    private Instant now;

    SteppingClock(Instant start, Duration step) {
        this.now = start;
        this.step = step;
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
        throw new UnsupportedOperationException("a stepping clock is always UTC");
    }
}
