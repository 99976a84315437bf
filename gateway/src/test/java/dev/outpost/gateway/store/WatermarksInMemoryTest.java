package dev.outpost.gateway.store;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.outpost.gateway.MutableClock;
import dev.outpost.gateway.store.Watermarks.Mark;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * On SQLite the marks committed are also kept in memory, so that a group reads only agents not seen before: what
 * {@link Watermarks#of} answers is still what the database holds, after a prune, after another connection wrote the
 * file, and past the memory's bound.
 */
class WatermarksInMemoryTest {
    final MutableClock clock = new MutableClock(Instant.parse("2026-11-22T10:00:00Z"));

    @Test
    void aPrunedMarkIsForgottenInMemoryToo(@TempDir Path dir) throws Exception {
        try (Database db = Database.open(dir.resolve("state.db"))) {
            Watermarks w = new Watermarks(db, clock);
            w.commit(List.of(), Map.of("a-1", new Mark(7, 1000)));
            assertEquals(Map.of("a-1", new Mark(7, 1000)), w.of(List.of("a-1")));
            clock.advance(Duration.ofDays(40));
            w.commit(List.of(), Map.of("a-2", new Mark(3, 500)));
            assertEquals(1, w.prune(clock.instant().minus(Duration.ofDays(30))));
            assertEquals(Map.of("a-2", new Mark(3, 500)), w.of(List.of("a-1", "a-2")));
        }
    }

    @Test
    void aMarkRaisedThroughAnotherConnectionIsRead(@TempDir Path dir) throws Exception {
        try (Database one = Database.open(dir.resolve("state.db"));
                Database other = Database.open(dir.resolve("state.db"))) {
            Watermarks w = new Watermarks(one, clock);
            w.commit(List.of(), Map.of("a-1", new Mark(7, 1000)));
            assertEquals(Map.of("a-1", new Mark(7, 1000)), w.of(List.of("a-1")));
            new Watermarks(other, clock).commit(List.of(), Map.of("a-1", new Mark(9, 2000)));
            assertEquals(Map.of("a-1", new Mark(9, 2000)), w.of(List.of("a-1")));
        }
    }

    @Test
    void pastItsBoundTheMemoryStartsOverAndTheMarksAreReadAgain(@TempDir Path dir) throws Exception {
        try (Database db = Database.open(dir.resolve("state.db"))) {
            Watermarks w = new Watermarks(db, clock, "local", 3);
            for (int i = 1; i <= 5; i++) {
                w.commit(List.of(), Map.of("a-" + i, new Mark(i, i * 100L)));
            }
            Map<String, Mark> marks = w.of(List.of("a-1", "a-2", "a-3", "a-4", "a-5", "a-6"));
            assertEquals(5, marks.size(), marks.toString());
            for (int i = 1; i <= 5; i++) {
                assertEquals(new Mark(i, i * 100L), marks.get("a-" + i));
            }
            w.commit(List.of(), Map.of("a-1", new Mark(10, 50)));
            assertEquals(new Mark(10, 100), w.of(List.of("a-1")).get("a-1"), "the greater of each, as the database");
        }
    }
}
