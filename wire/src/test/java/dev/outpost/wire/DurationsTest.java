package dev.outpost.wire;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class DurationsTest {
    @Test
    void parsesEveryUnit() {
        assertEquals(Duration.ofMillis(500), Durations.parse("500ms"));
        assertEquals(Duration.ofSeconds(10), Durations.parse("10s"));
        assertEquals(Duration.ofMinutes(5), Durations.parse("5m"));
        assertEquals(Duration.ofHours(24), Durations.parse("24h"));
        assertEquals(Duration.ofDays(7), Durations.parse("7d"));
        assertEquals(Duration.ZERO, Durations.parse("0s"));
        assertEquals(Duration.ZERO, Durations.parse("0"), "zero needs no unit: it is zero in every one");
    }

    @ParameterizedTest
    @ValueSource(strings = {"", "10", "00", "abc", "1.5h", "-5s", "+5s", " 10s", "10s ", "10S", "10 s", "5min", "1h30m", "PT10S"})
    void rejectsEverythingElseNamingTheValue(String text) {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> Durations.parse(text));
        assertEquals("\"" + text + "\" is not a duration; use e.g. \"10s\"", e.getMessage());
    }

    @Test
    void rejectsDurationsTooLongToHold() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> Durations.parse("999999999999999999999d"));
        assertEquals("\"999999999999999999999d\" is too long to be a duration; use e.g. \"10s\"", e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> Durations.parse("999999999999999999m"));
    }

    @Test
    void rejectsMissingText() {
        assertThrows(IllegalArgumentException.class, () -> Durations.parse(null));
    }

    @Test
    void formatsInTheLargestExactUnit() {
        assertEquals("0s", Durations.format(Duration.ZERO));
        assertEquals("500ms", Durations.format(Duration.ofMillis(500)));
        assertEquals("1500ms", Durations.format(Duration.ofMillis(1500)));
        assertEquals("90s", Durations.format(Duration.ofSeconds(90)));
        assertEquals("5m", Durations.format(Duration.ofSeconds(300)));
        assertEquals("1h", Durations.format(Duration.ofMinutes(60)));
        assertEquals("25h", Durations.format(Duration.ofHours(25)));
        assertEquals("1d", Durations.format(Duration.ofHours(24)));
        assertEquals("30d", Durations.format(Duration.ofDays(30)));
    }

    @ParameterizedTest
    @ValueSource(strings = {"1ms", "999ms", "1001ms", "59s", "61s", "59m", "23h", "2d", "36500d"})
    void formatThenParseGivesTheSameDuration(String text) {
        Duration d = Durations.parse(text);
        assertEquals(d, Durations.parse(Durations.format(d)));
        assertEquals(text, Durations.format(d));
    }

    @Test
    void formatRejectsWhatCannotBeWritten() {
        assertEquals("duration PT-1S is negative; only positive durations can be written",
                assertThrows(IllegalArgumentException.class, () -> Durations.format(Duration.ofSeconds(-1))).getMessage());
        assertEquals("duration PT0.0000015S is not a whole number of milliseconds",
                assertThrows(IllegalArgumentException.class, () -> Durations.format(Duration.ofNanos(1500))).getMessage());
        assertThrows(IllegalArgumentException.class, () -> Durations.format(null));
    }
}
