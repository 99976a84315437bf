package dev.outpost.gateway.view;

import java.time.Duration;
import java.time.Instant;
import java.util.OptionalDouble;

/**
 * The latest point of one series (agent, metric, attributes) and the one before it from an
 * earlier batch, which is what rates and CPU utilisation are derived from.
 */
final class Series {

    private SinkPoint latest;
    private SinkPoint previous;

    Series(SinkPoint first) {
        if (first == null) {
            throw new IllegalArgumentException("first point must not be null");
        }
        this.latest = first;
    }

    /** Takes a newer point; a point of the latest batch replaces it, an older point is ignored. */
    void update(SinkPoint point) {
        if (point.time().isBefore(latest.time())) {
            return;
        }
        if (!point.batch().equals(latest.batch()) || (point.batch().isEmpty() && point.time().isAfter(latest.time()))) {
            previous = latest;
        }
        latest = point;
    }

    SinkPoint latest() {
        return latest;
    }

    /** The point of the batch before the latest one, or null. */
    SinkPoint previous() {
        return previous;
    }

    /** latest - previous, or empty when there is no earlier batch or the counter went backwards. */
    OptionalDouble delta() {
        if (previous == null || latest.value() < previous.value()) {
            return OptionalDouble.empty();
        }
        return OptionalDouble.of(latest.value() - previous.value());
    }

    /** Per-second rate between the previous and the latest batch, or empty if not derivable. */
    OptionalDouble rate() {
        OptionalDouble delta = delta();
        if (delta.isEmpty()) {
            return delta;
        }
        Duration elapsed = Duration.between(previous.time(), latest.time());
        if (elapsed.isZero() || elapsed.isNegative()) {
            return OptionalDouble.empty();
        }
        return OptionalDouble.of(delta.getAsDouble() * 1e9 / elapsed.toNanos());
    }

    Instant time() {
        return latest.time();
    }
}
