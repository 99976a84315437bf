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
    void aTokenAtAnAddressEmptiesOnceAfterTheBurstAndRefillsOneAtATime() {
        FailedAuthLimiter l = new FailedAuthLimiter(3, Duration.ofSeconds(10), clock);
        l.fail("t1", "192.0.2.1");
        l.fail("t2", "192.0.2.1");
        assertEquals(0, l.retryAfterSeconds("t1", "192.0.2.1"));
        assertEquals(List.of("source 192.0.2.1"), l.fail("t3", "192.0.2.1"), "the burst is reported once");
        assertEquals(10, l.retryAfterSeconds("t9", "192.0.2.1"), "the address is limited across tokens");
        assertEquals(0, l.retryAfterSeconds("t1", "192.0.2.2"), "other addresses are not");
        assertEquals(List.of(), l.fail("t1", "192.0.2.1"), "an empty bucket does not report again");
        clock.advance(Duration.ofSeconds(5));
        assertEquals(5, l.retryAfterSeconds("t1", "192.0.2.1"));
        clock.advance(Duration.ofSeconds(5));
        assertEquals(0, l.retryAfterSeconds("t1", "192.0.2.1"));
    }

    @Test
    void wrongSecretsFromElsewhereNeverLockATokenOutForItsHolder() {
        FailedAuthLimiter l = new FailedAuthLimiter(5, Duration.ofSeconds(10), clock);
        List<String> reported = new java.util.ArrayList<>();
        for (int i = 0; i < 500; i++) {
            reported.addAll(l.fail("t1", "198.51.100." + (i % 250)));
        }
        assertEquals(0, l.retryAfterSeconds("t1", "192.0.2.7"), "the real holder's address enrolls at once");
        assertEquals(true, reported.contains("token t1"), "the distributed burst is reported for the audit log");
        assertEquals(1, reported.stream().filter("token t1"::equals).count(), "once");
        for (int i = 0; i < 5; i++) {
            l.fail("t1", "203.0.113.9");
        }
        assertEquals(10, l.retryAfterSeconds("t1", "203.0.113.9"), "but guessing from one address is still slowed");
    }

    @Test
    void badSettingsAreRefusedByName() {
        assertEquals("burst 0 must be at least 1", assertThrows(IllegalArgumentException.class,
                () -> new FailedAuthLimiter(0, Duration.ofSeconds(1), clock)).getMessage());
        assertEquals("refillEvery PT0S must be positive", assertThrows(IllegalArgumentException.class,
                () -> new FailedAuthLimiter(1, Duration.ZERO, clock)).getMessage());
    }
}
