package dev.outpost.gateway.view;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Instant;
import java.util.Collections;
import java.util.OptionalDouble;
import org.junit.jupiter.api.Test;

class SeriesTest {

    private static SinkPoint point(String time, String batch, double value) {
        return new SinkPoint(Instant.parse(time), "acme", "a-1", "web-1", "system.disk.io", "sum", "By",
                Collections.emptySortedMap(), value, -1, Double.NaN, batch);
    }

    @Test
    void rateIsTheDeltaBetweenTheLastTwoBatchesPerSecond() {
        Series series = new Series(point("2026-11-22T05:20:00Z", "a-1:1", 1000));
        assertTrue(series.rate().isEmpty());
        series.update(point("2026-11-22T05:20:04Z", "a-1:2", 3000));
        assertEquals(OptionalDouble.of(500), series.rate());
    }

    @Test
    void aRepeatedBatchReplacesTheLatestValueAndAnOlderPointIsIgnored() {
        Series series = new Series(point("2026-11-22T05:20:00Z", "a-1:1", 1000));
        series.update(point("2026-11-22T05:20:10Z", "a-1:2", 2000));
        series.update(point("2026-11-22T05:20:10Z", "a-1:2", 3000));
        series.update(point("2026-11-22T05:19:50Z", "a-1:0", 0));
        assertEquals(OptionalDouble.of(200), series.rate());
        assertEquals(3000, series.latest().value());
    }

    @Test
    void aCounterThatWentBackwardsHasNoRate() {
        Series series = new Series(point("2026-11-22T05:20:00Z", "a-1:1", 1000));
        series.update(point("2026-11-22T05:20:10Z", "a-1:2", 10));
        assertTrue(series.delta().isEmpty());
        assertTrue(series.rate().isEmpty());
    }
}
