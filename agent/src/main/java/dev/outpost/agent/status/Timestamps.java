package dev.outpost.agent.status;

import java.time.Instant;

/**
 * {@link Instant#toString()}'s text (ISO-8601 in UTC, the fraction in groups of three digits, none when zero) written
 * by hand for the years 0000 to 9999: {@code status.json} holds five times and is rewritten after every push, where
 * the JDK's formatter (a print context, a LocalDateTime and a StringBuilder per time) stays interpreted and cost more
 * than the rest of the file. Other years fall back to the JDK's text.
 */
public final class Timestamps {
    /** 0000-01-01T00:00:00Z and 10000-01-01T00:00:00Z in seconds since the epoch. */
    private static final long FIRST = -62_167_219_200L;
    private static final long END = 253_402_300_800L;
    /** 0001-01-01T00:00:00Z: the pattern's yyyy is the year of the era, so the year 0 would be 0001 (BC) there. */
    private static final long FIRST_CE = -62_135_596_800L;

    private Timestamps() {
    }

    /** {@code instant} as {@link Instant#toString()} writes it; null for null. */
    public static String iso(Instant instant) {
        if (instant == null) {
            return null;
        }
        long seconds = instant.getEpochSecond();
        if (seconds < FIRST || seconds >= END) {
            return instant.toString();
        }
        char[] out = new char[30];
        dateTime(out, seconds);
        int nano = instant.getNano();
        int length = 19;
        if (nano > 0) {
            out[length++] = '.';
            if (nano % 1_000_000 == 0) {
                digits(out, length, nano / 1_000_000, 3);
                length += 3;
            } else if (nano % 1000 == 0) {
                digits(out, length, nano / 1000, 6);
                length += 6;
            } else {
                digits(out, length, nano, 9);
                length += 9;
            }
        }
        out[length++] = 'Z';
        return new String(out, 0, length);
    }

    /**
     * {@code instant} with milliseconds, always three digits (truncated), in UTC, as the log pattern
     * {@code yyyy-MM-dd'T'HH:mm:ss.SSSXXX} writes it (e.g. 2026-12-03T16:00:40.910Z), into {@code out}; false,
     * writing nothing, for a year outside 0001 to 9999.
     */
    public static boolean appendMillis(Instant instant, StringBuilder out) {
        long seconds = instant.getEpochSecond();
        if (seconds < FIRST_CE || seconds >= END) {
            return false;
        }
        char[] text = new char[24];
        dateTime(text, seconds);
        text[19] = '.';
        digits(text, 20, instant.getNano() / 1_000_000, 3);
        text[23] = 'Z';
        out.append(text);
        return true;
    }

    /** yyyy-MM-ddTHH:mm:ss of {@code seconds} since the epoch (a year from 0000 to 9999) in out[0..19). */
    private static void dateTime(char[] out, long seconds) {
        long days = Math.floorDiv(seconds, 86_400L);
        int secondOfDay = (int) (seconds - days * 86_400L);
        // Days since 1970-01-01 to a civil date (H. Hinnant's algorithm; eras of 400 years from 0000-03-01).
        long z = days + 719_468L;
        long era = Math.floorDiv(z, 146_097L);
        int dayOfEra = (int) (z - era * 146_097L);
        int yearOfEra = (dayOfEra - dayOfEra / 1460 + dayOfEra / 36_524 - dayOfEra / 146_096) / 365;
        int dayOfYear = dayOfEra - (365 * yearOfEra + yearOfEra / 4 - yearOfEra / 100);
        int mp = (5 * dayOfYear + 2) / 153;
        int day = dayOfYear - (153 * mp + 2) / 5 + 1;
        int month = mp < 10 ? mp + 3 : mp - 9;
        int year = (int) (yearOfEra + era * 400) + (month <= 2 ? 1 : 0);
        digits(out, 0, year, 4);
        out[4] = '-';
        digits(out, 5, month, 2);
        out[7] = '-';
        digits(out, 8, day, 2);
        out[10] = 'T';
        digits(out, 11, secondOfDay / 3600, 2);
        out[13] = ':';
        digits(out, 14, secondOfDay / 60 % 60, 2);
        out[16] = ':';
        digits(out, 17, secondOfDay % 60, 2);
    }

    /** {@code value} in {@code width} decimal digits, zero-padded, at {@code at}. */
    private static void digits(char[] out, int at, int value, int width) {
        int v = value;
        for (int i = at + width - 1; i >= at; i--) {
            out[i] = (char) ('0' + v % 10);
            v /= 10;
        }
    }
}
