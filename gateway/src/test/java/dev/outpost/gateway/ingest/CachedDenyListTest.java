package dev.outpost.gateway.ingest;

import dev.outpost.gateway.MutableClock;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.sql.SQLException;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/** The deny list's reload bound, and that a failed reload keeps the last list in force. */
class CachedDenyListTest {
    @Test
    void reloadsAtMostOncePerBoundAndKeepsTheLastListWhenAReloadFails() {
        Instant t0 = Instant.parse("2026-11-22T10:00:00Z");
        MutableClock clock = new MutableClock(t0);
        Deque<Object> answers = new ArrayDeque<>();
        answers.add(Map.of("a-1", "revoked"));
        answers.add(new SQLException("database is locked"));
        answers.add(Map.of("a-2", "locked"));
        int[] loads = {0};
        CachedDenyList list = new CachedDenyList(() -> {
            loads[0]++;
            Object next = answers.remove();
            if (next instanceof SQLException e) {
                throw e;
            }
            @SuppressWarnings("unchecked")
            Map<String, String> m = (Map<String, String>) next;
            return m;
        }, clock, Duration.ofSeconds(1));

        assertEquals(Optional.of("revoked"), list.refusal("a-1"));
        assertEquals(Optional.empty(), list.refusal("a-2"));
        assertEquals(1, loads[0]);
        clock.set(t0.plusSeconds(1));
        assertEquals(Optional.of("revoked"), list.refusal("a-1"), "a failed reload keeps the last list");
        assertEquals(Optional.empty(), list.refusal("a-2"), "and is not retried at once");
        assertEquals(2, loads[0]);
        clock.set(t0.plusSeconds(1).plus(CachedDenyList.RETRY_FIRST));
        assertEquals(Optional.of("locked"), list.refusal("a-2"), "but after a wait");
        assertEquals(Optional.empty(), list.refusal("a-1"));
        assertEquals(3, loads[0]);
        assertThrows(IllegalArgumentException.class, () -> new CachedDenyList(Map::of, clock, Duration.ofSeconds(-1)));
    }

    @Test
    void failedReloadsBackOffDoublingUpToTheirBoundAndTheLastListStaysInForce() {
        Instant t0 = Instant.parse("2026-11-22T10:00:00Z");
        MutableClock clock = new MutableClock(t0);
        boolean[] down = {false};
        java.util.List<Instant> tries = new java.util.ArrayList<>();
        CachedDenyList list = new CachedDenyList(() -> {
            tries.add(clock.instant());
            if (down[0]) {
                throw new SQLException("Connection attempt timed out.");
            }
            return Map.of("a-1", "revoked");
        }, clock, Duration.ofSeconds(1));
        assertEquals(Optional.of("revoked"), list.refusal("a-1"));
        down[0] = true;
        // Requests every 100 ms for a minute while the database does not answer.
        for (int i = 1; i <= 600; i++) {
            clock.set(t0.plusMillis(100L * i));
            assertEquals(Optional.of("revoked"), list.refusal("a-1"), "the last good list, at " + clock.instant());
        }
        java.util.List<Long> gaps = new java.util.ArrayList<>();
        for (int i = 2; i < tries.size(); i++) {
            gaps.add(Duration.between(tries.get(i - 1), tries.get(i)).toMillis());
        }
        assertEquals(java.util.List.of(1000L, 2000L, 4000L, 8000L, 10000L, 10000L, 10000L, 10000L), gaps,
                "1 s, doubling up to " + CachedDenyList.RETRY_MAX);
        down[0] = false;
        clock.set(tries.get(tries.size() - 1).plus(CachedDenyList.RETRY_MAX));
        list.refusal("a-1");
        int before = tries.size();
        clock.advance(Duration.ofSeconds(1));
        list.refusal("a-1");
        assertEquals(before + 1, tries.size(), "once it answers, reloaded every second again");
    }

    @Test
    void aReloadInProgressDoesNotHoldUpOtherCallersOnceThereIsAList() throws Exception {
        Instant t0 = Instant.parse("2026-11-22T10:00:00Z");
        MutableClock clock = new MutableClock(t0);
        java.util.concurrent.CountDownLatch inReload = new java.util.concurrent.CountDownLatch(1);
        java.util.concurrent.CountDownLatch release = new java.util.concurrent.CountDownLatch(1);
        int[] loads = {0};
        CachedDenyList list = new CachedDenyList(() -> {
            if (++loads[0] == 2) {
                inReload.countDown();
                release.await();
                return Map.of("a-1", "revoked", "a-2", "locked");
            }
            return Map.of("a-1", "revoked");
        }, clock, Duration.ofSeconds(1));
        assertEquals(Optional.of("revoked"), list.refusal("a-1"));
        clock.set(t0.plusSeconds(1));
        Thread reloader = new Thread(() -> list.refusal("a-2"));
        reloader.start();
        assertTrue(inReload.await(10, java.util.concurrent.TimeUnit.SECONDS));
        // The database is slow: another I/O thread goes on with the list it has, without waiting.
        assertEquals(Optional.of("revoked"), list.refusal("a-1"));
        assertEquals(Optional.empty(), list.refusal("a-2"));
        release.countDown();
        reloader.join(10_000);
        assertEquals(Optional.of("locked"), list.refusal("a-2"), "the reloaded list is in force");
        assertEquals(2, loads[0]);
    }
}
