package dev.outpost.agent.transport;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.time.format.DateTimeParseException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Compares this host's clock with the gateway's {@code Date} header and warns when they differ by more than
 * {@link #LIMIT}: certificates are valid from a time to a time, so a host whose clock is far off fails TLS in ways
 * that are hard to read. Warns when the skew first passes the limit and when it returns, not on every response.
 */
public final class ClockSkew {
    /** Skew above which the agent warns. */
    public static final Duration LIMIT = Duration.ofMinutes(2);
    private static final Logger LOG = LoggerFactory.getLogger("outpost.agent.clock");
    private final Clock clock;
    private volatile Duration last;
    private boolean warned;

    public ClockSkew(Clock clock) {
        this.clock = clock;
    }

    /** Checks one response's {@code Date} (RFC 1123; ignored if absent or unreadable). */
    public synchronized void observe(String dateHeader) {
        if (dateHeader == null || dateHeader.isBlank()) {
            return;
        }
        Instant gateway = imfFixdate(dateHeader);
        if (gateway == null) {
            try {
                gateway = ZonedDateTime.parse(dateHeader.trim(), DateTimeFormatter.RFC_1123_DATE_TIME).toInstant();
            } catch (DateTimeParseException e) {
                return;
            }
        }
        Duration skew = Duration.between(gateway, clock.instant());
        last = skew;
        boolean over = skew.abs().compareTo(LIMIT) > 0;
        if (over && !warned) {
            LOG.warn("this host's clock is {} s {} the gateway's (more than {} s); certificates may look expired or "
                    + "not yet valid: fix time synchronisation (e.g. `timedatectl set-ntp true`)",
                    skew.abs().toSeconds(), skew.isNegative() ? "behind" : "ahead of", LIMIT.toSeconds());
        } else if (!over && warned) {
            LOG.info("this host's clock agrees with the gateway's again ({} s apart)", skew.abs().toSeconds());
        }
        warned = over;
    }

    private static final String DAYS = "MonTueWedThuFriSatSun";
    private static final String MONTHS = "JanFebMarAprMayJunJulAugSepOctNovDec";

    /**
     * The instant of {@code date} when it is in the one form servers send (RFC 9110's IMF-fixdate, e.g.
     * "Sun, 06 Nov 1994 08:49:37 GMT", or with a one-digit day, "Sun, 6 Nov 1994 08:49:37 GMT", as RFC 1123 allows
     * and the JDK's RFC_1123_DATE_TIME formatter writes it: gateways before the IMF-fixdate one did) and names a real date and its weekday;
     * null for anything else, which is then read by the general RFC 1123 parser. Every response has one: read by hand
     * it costs a fraction of the formatter's parse, which runs mostly interpreted at one response per cycle, and
     * java.time.format's ~60 classes are not loaded for it.
     */
    static Instant imfFixdate(String date) {
        // s: 1 when the day has one digit; every field after it is one character earlier.
        int s = date.length() == 28 ? 1 : 0;
        if (date.length() != 29 - s || date.charAt(3) != ',' || date.charAt(4) != ' ' || date.charAt(7 - s) != ' '
                || date.charAt(11 - s) != ' ' || date.charAt(16 - s) != ' ' || date.charAt(19 - s) != ':'
                || date.charAt(22 - s) != ':' || !date.endsWith(" GMT")) {
            return null;
        }
        int day = digits(date, 5, 2 - s);
        int month = MONTHS.indexOf(date.substring(8 - s, 11 - s));
        int year = digits(date, 12 - s, 4);
        int hour = digits(date, 17 - s, 2);
        int minute = digits(date, 20 - s, 2);
        int second = digits(date, 23 - s, 2);
        int weekday = DAYS.indexOf(date.substring(0, 3));
        if (day < 1 || month < 0 || month % 3 != 0 || year < 0 || hour < 0 || hour > 23 || minute < 0 || minute > 59
                || second < 0 || second > 59 || weekday < 0 || weekday % 3 != 0) {
            return null;
        }
        java.time.YearMonth ym = java.time.YearMonth.of(year, month / 3 + 1);
        if (day > ym.lengthOfMonth()) {
            return null;
        }
        java.time.LocalDate d = ym.atDay(day);
        if (d.getDayOfWeek().ordinal() != weekday / 3) {
            return null;
        }
        return Instant.ofEpochSecond(d.toEpochDay() * 86_400L + hour * 3_600L + minute * 60L + second);
    }

    /** The decimal number of {@code length} ASCII digits at {@code from}, or -1. */
    private static int digits(String s, int from, int length) {
        int value = 0;
        for (int i = from; i < from + length; i++) {
            char c = s.charAt(i);
            if (c < '0' || c > '9') {
                return -1;
            }
            value = value * 10 + (c - '0');
        }
        return value;
    }

    /** The skew at the last response with a readable {@code Date}: positive when this host is ahead; null before. */
    public Duration last() {
        return last;
    }
}
