package dev.outpost.gateway.est;

import dev.outpost.gateway.MutableClock;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.time.Duration;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Token buckets of failures per token id and per address, with a fake clock. */
class FailedAuthLimiterTest {
    final MutableClock clock = new MutableClock(Instant.parse("2026-11-22T10:00:00Z"));

    @Test
    void aBucketEmptiesOnceAfterTheBurstAndRefillsOneAtATime() {
        FailedAuthLimiter l = new FailedAuthLimiter(3, Duration.ofSeconds(10), clock);
        assertEquals(List.of(), l.fail("t1", "192.0.2.1"));
        assertEquals(List.of(), l.fail("t1", "192.0.2.2"));
        assertEquals(0, l.retryAfterSeconds("t1", "192.0.2.3"));
        assertEquals(List.of("token t1"), l.fail("t1", "192.0.2.3"), "the burst is reported once");
        assertEquals(10, l.retryAfterSeconds("t1", "192.0.2.9"));
        assertEquals(0, l.retryAfterSeconds("t2", "192.0.2.1"), "other tokens and addresses are not limited");
        assertEquals(List.of(), l.fail("t1", null), "an empty bucket does not report again");
        assertEquals(10, l.retryAfterSeconds("t1", null), "nor deepens it");

        clock.advance(Duration.ofSeconds(5));
        assertEquals(5, l.retryAfterSeconds("t1", null));
        clock.advance(Duration.ofSeconds(5));
        assertEquals(0, l.retryAfterSeconds("t1", null));
        assertEquals(List.of("token t1"), l.fail("t1", null), "a new burst after a refill is reported again");
    }

    @Test
    void anAddressIsLimitedAcrossTokens() {
        FailedAuthLimiter l = new FailedAuthLimiter(2, Duration.ofSeconds(1), clock);
        l.fail("t1", "192.0.2.1");
        assertEquals(List.of("source 192.0.2.1"), l.fail("t2", "192.0.2.1"));
        assertEquals(1, l.retryAfterSeconds("t3", "192.0.2.1"));
    }

    @Test
    void badSettingsAreRefusedByName() {
        assertEquals("burst 0 must be at least 1", assertThrows(IllegalArgumentException.class,
                () -> new FailedAuthLimiter(0, Duration.ofSeconds(1), clock)).getMessage());
        assertEquals("refillEvery PT0S must be positive", assertThrows(IllegalArgumentException.class,
                () -> new FailedAuthLimiter(1, Duration.ZERO, clock)).getMessage());
    }
}
