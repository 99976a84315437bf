package dev.outpost.wire;

import java.time.Duration;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The one way Outpost writes durations in config files, environment variables and command lines:
 * a whole number and a unit, {@code ms}, {@code s}, {@code m}, {@code h} or {@code d} (e.g. {@code "10s"}).
 * Anything else is rejected rather than guessed, so {@code "10"} or {@code "1.5h"} never means something surprising;
 * only a bare {@code "0"} is accepted, being zero in every unit (as in "0 turns it off").
 */
public final class Durations {
    private static final Pattern TEXT = Pattern.compile("(\\d+)(ms|s|m|h|d)");
    private static final long[] UNIT_SECONDS = {86_400, 3_600, 60, 1};
    private static final String[] UNIT_NAMES = {"d", "h", "m", "s"};

    private Durations() {
    }

    /**
     * Parses {@code "<n>ms|s|m|h|d"}; a day is exactly 24 hours.
     *
     * @throws IllegalArgumentException naming the text, e.g. {@code "abc" is not a duration; use e.g. "10s"}
     */
    public static Duration parse(String text) {
        if (text == null) {
            throw new IllegalArgumentException("a duration is missing; use e.g. \"10s\"");
        }
        if (text.equals("0")) {
            return Duration.ZERO;
        }
        Matcher m = TEXT.matcher(text);
        if (!m.matches()) {
            throw new IllegalArgumentException("\"" + text + "\" is not a duration; use e.g. \"10s\"");
        }
        try {
            long n = Long.parseLong(m.group(1));
            switch (m.group(2)) {
                case "ms":
                    return Duration.ofMillis(n);
                case "s":
                    return Duration.ofSeconds(n);
                case "m":
                    return Duration.ofMinutes(n);
                case "h":
                    return Duration.ofHours(n);
                default:
                    return Duration.ofDays(n);
            }
        } catch (ArithmeticException | NumberFormatException e) {
            throw new IllegalArgumentException("\"" + text + "\" is too long to be a duration; use e.g. \"10s\"");
        }
    }

    /**
     * Writes {@code d} in the largest unit that divides it exactly, so that {@code parse(format(d))} equals
     * {@code d}: 90 seconds is {@code "90s"}, 2 hours is {@code "2h"}, zero is {@code "0s"}.
     *
     * @throws IllegalArgumentException if {@code d} is negative or not a whole number of milliseconds
     */
    public static String format(Duration d) {
        if (d == null) {
            throw new IllegalArgumentException("duration is null");
        }
        if (d.isNegative()) {
            throw new IllegalArgumentException("duration " + d + " is negative; only positive durations can be written");
        }
        if (d.getNano() % 1_000_000 != 0) {
            throw new IllegalArgumentException("duration " + d + " is not a whole number of milliseconds");
        }
        if (d.isZero()) {
            return "0s";
        }
        long seconds = d.getSeconds();
        if (d.getNano() == 0) {
            for (int i = 0; i < UNIT_SECONDS.length; i++) {
                if (seconds % UNIT_SECONDS[i] == 0) {
                    return seconds / UNIT_SECONDS[i] + UNIT_NAMES[i];
                }
            }
        }
        try {
            return Math.addExact(Math.multiplyExact(seconds, 1000L), d.getNano() / 1_000_000) + "ms";
        } catch (ArithmeticException e) {
            throw new IllegalArgumentException("duration " + d + " is too long to write in milliseconds");
        }
    }
}
