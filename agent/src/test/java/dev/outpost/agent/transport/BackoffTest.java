package dev.outpost.agent.transport;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.random.RandomGenerator;
import org.junit.jupiter.api.Test;

class BackoffTest {
    static final Clock CLOCK = Clock.fixed(Instant.parse("2026-11-22T10:00:00Z"), ZoneOffset.UTC);

    /** Always draws the top of the range, so the ceiling of each step is visible. */
    static final RandomGenerator MAX = new RandomGenerator() {
        @Override
        public long nextLong() {
            return 0;
        }

        @Override
        public long nextLong(long bound) {
            return bound - 1;
        }
    };

    @Test
    void ceilingDoublesUpToTheCapAndResets() {
        Backoff b = new Backoff(Duration.ofSeconds(1), Duration.ofSeconds(30), Duration.ofMinutes(5), MAX, CLOCK);
        long[] expected = {1000, 2000, 4000, 8000, 16000, 30000, 30000};
        for (long ms : expected) {
            assertEquals(Duration.ofMillis(ms), b.nextDelay(null));
        }
        b.reset();
        assertEquals(Duration.ofSeconds(1), b.nextDelay(null));
    }

    @Test
    void fullJitterSpreadsDelaysOverTheWholeRange() {
        Backoff b = new Backoff(Duration.ofSeconds(1), Duration.ofSeconds(30), Duration.ofMinutes(5),
                RandomGenerator.of("L64X128MixRandom"), CLOCK);
        for (int i = 0; i < 5; i++) {
            b.nextDelay(null);
        }
        long min = Long.MAX_VALUE;
        long max = 0;
        for (int i = 0; i < 1000; i++) {
            long d = b.nextDelay(null).toMillis();
            assertTrue(d >= 0 && d <= 30_000, "within [0, cap]: " + d);
            min = Math.min(min, d);
            max = Math.max(max, d);
        }
        assertTrue(min < 3_000 && max > 27_000, "spread over the range: " + min + ".." + max);
    }

    @Test
    void retryAfterIsHonouredUpToItsCapInBothForms() {
        Backoff b = new Backoff(Duration.ofSeconds(1), Duration.ofSeconds(30), Duration.ofMinutes(5), MAX, CLOCK);
        assertEquals(Duration.ofSeconds(120), b.nextDelay("120"));
        assertEquals(Duration.ofMinutes(5), b.nextDelay("86400"), "capped");
        assertEquals(Duration.ofSeconds(90), b.nextDelay("Sun, 22 Nov 2026 10:01:30 GMT"));
        assertEquals(Duration.ofSeconds(8), b.nextDelay("soon"), "unreadable: jitter alone (4th failure: 8 s ceiling)");
    }

    @Test
    void badSettingsAreRejectedNamingTheValue() {
        assertEquals("backoff cap PT0.5S is below the initial delay PT1S", assertThrows(IllegalArgumentException.class,
                () -> new Backoff(Duration.ofSeconds(1), Duration.ofMillis(500), Duration.ZERO, MAX, CLOCK))
                .getMessage());
    }

    @Test
    void theFirstRetryAfterALostConnectionIsSpreadOverTheReconnectSpreadThenBacksOffAsUsual() {
        Backoff b = new Backoff(Duration.ofSeconds(1), Duration.ofSeconds(30), Duration.ofMinutes(5),
                Duration.ofSeconds(10), MAX, CLOCK);
        assertEquals(Duration.ofSeconds(10), b.nextDelay(null, true));
        assertEquals(Duration.ofSeconds(2), b.nextDelay(null, true));
        b.reset();
        // An answer (503, 429) is no lost gateway: the usual first step.
        assertEquals(Duration.ofSeconds(1), b.nextDelay(null, false));
    }

    @Test
    void tenThousandAgentsLosingTheirGatewayReconnectSpreadOverTheWholeWindow() {
        RandomGenerator random = RandomGenerator.of("L64X128MixRandom");
        int[] perSecond = new int[10];
        for (int agent = 0; agent < 10_000; agent++) {
            Backoff b = new Backoff(Duration.ofSeconds(1), Duration.ofMinutes(2), Duration.ofMinutes(10),
                    Duration.ofSeconds(10), random, CLOCK);
            long ms = b.nextDelay(null, true).toMillis();
            assertTrue(ms >= 0 && ms <= 10_000, "within the spread: " + ms);
            perSecond[(int) Math.min(9, ms / 1000)]++;
        }
        for (int s = 0; s < 10; s++) {
            assertTrue(perSecond[s] > 800 && perSecond[s] < 1200, "second " + s + ": " + perSecond[s]);
        }
    }
}
