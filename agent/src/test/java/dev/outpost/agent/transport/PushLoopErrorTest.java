package dev.outpost.agent.transport;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.spi.ILoggingEvent;
import dev.outpost.agent.LogCapture;
import dev.outpost.agent.MutableClock;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** An error of the push loop itself that repeats (a disk that fails every read) is logged with its trace once. */
class PushLoopErrorTest {
    @TempDir
    Path dir;

    @Test
    void aRepeatedErrorIsLoggedWithItsStackTraceOnce() throws Exception {
        try (LogCapture log = new LogCapture("outpost.agent.push");
                PushFixture f = new PushFixture(dir, new MutableClock(Instant.parse("2026-11-22T05:20:00Z")),
                        (r, i) -> null)) {
            PushLoop loop = f.loop(1);
            f.queue.close(); // every peek now fails the same way
            Thread t = new Thread(loop, "test-push");
            t.start();
            long end = System.nanoTime() + Duration.ofSeconds(10).toNanos();
            while (log.events().size() < 1 && System.nanoTime() < end) {
                Thread.onSpinWait();
            }
            t.join(2_500); // two more failures, a second apart
            loop.stop();
            t.join(5_000);
            List<ILoggingEvent> errors = log.events().stream().filter(e -> e.getLevel() == Level.ERROR).toList();
            assertEquals(1, errors.size(), errors.toString());
            assertEquals("push loop error; retrying every second", errors.get(0).getFormattedMessage());
            assertTrue(errors.get(0).getThrowableProxy() != null);
        }
    }
}
