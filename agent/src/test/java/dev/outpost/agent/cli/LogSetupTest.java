package dev.outpost.agent.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.PatternLayout;
import ch.qos.logback.classic.spi.LoggingEvent;
import java.io.IOException;
import java.io.UncheckedIOException;
import org.junit.jupiter.api.Test;

/** The agent's log lines are what Logback's PatternLayout prints for {@link LogSetup#PATTERN}, without loading it. */
class LogSetupTest {
    private final LoggerContext context = new LoggerContext();

    private LoggingEvent event(String logger, Level level, String message, Throwable thrown, Object... args) {
        Logger log = context.getLogger(logger);
        LoggingEvent event = new LoggingEvent(Logger.class.getName(), log, level, message, thrown, args);
        event.setTimeStamp(1_796_240_943_007L); // 2026-12-02T19:49:03.007Z: leading zeros in the milliseconds
        return event;
    }

    private String both(LoggingEvent event) {
        PatternLayout reference = new PatternLayout();
        reference.setContext(context);
        reference.setPattern(LogSetup.PATTERN);
        reference.start();
        LogSetup.LineLayout layout = new LogSetup.LineLayout();
        layout.setContext(context);
        layout.start();
        String line = layout.doLayout(event);
        assertEquals(reference.doLayout(event), line);
        return line;
    }

    @Test
    void aLineIsWhatThePatternPrints() {
        String line = both(event("dev.outpost.agent.enroll.Renewer", Level.INFO,
                "certificate renewed: serial {} -> {}", null, "767e", "6b1e"));
        assertEquals("2026-12-02T19:49:03.007Z INFO  Renewer - certificate renewed: serial 767e -> 6b1e"
                + System.lineSeparator(), line);
        both(event("agent", Level.WARN, "five-letter level, a logger without a package", null));
        both(event("org.example.channel.X", Level.DEBUG, "{} {}", null, "one argument short"));
    }

    @Test
    void theTimeIsWrittenAsThePatternWritesItFromYearOneToYear9999AndBeyond() {
        long[] millis = {0L, -1_000L, 1_796_240_943_000L, 1_796_240_943_999L, 951_782_400_123L /* 2000-02-29 */,
            -62_167_219_200_000L /* 0000-01-01: year 1 BC, the JDK's formatter */,
            -62_135_596_800_000L /* 0001-01-01 */, 253_402_300_799_999L /* 9999-12-31T23:59:59.999 */,
            253_402_300_800_000L /* 10000-01-01: the JDK's formatter */, 4_102_444_800_500L};
        for (long t : millis) {
            LoggingEvent e = event("agent", Level.INFO, "at {}", null, t);
            e.setTimeStamp(t);
            both(e);
        }
    }

    @Test
    void aThrowableFollowsTheLineWithItsCauses() {
        Throwable thrown = new UncheckedIOException("cannot write", new IOException("No space left on device"));
        String text = both(event("dev.outpost.agent.queue.DiskQueue", Level.ERROR, "append failed", thrown));
        assertTrue(text.contains("Caused by: java.io.IOException: No space left on device"), text);
    }
}
