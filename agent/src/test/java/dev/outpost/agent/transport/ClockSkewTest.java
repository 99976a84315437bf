package dev.outpost.agent.transport;

import static org.junit.jupiter.api.Assertions.assertEquals;

import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.slf4j.LoggerFactory;

class ClockSkewTest {
    static final Clock HOST = Clock.fixed(Instant.parse("2026-11-22T10:05:00Z"), ZoneOffset.UTC);

    @Test
    void warnsOnceAboveTwoMinutesAndSaysWhenItIsBack() {
        ListAppender<ILoggingEvent> log = new ListAppender<>();
        log.start();
        Logger logger = (Logger) LoggerFactory.getLogger("outpost.agent.clock");
        logger.addAppender(log);
        try {
            ClockSkew skew = new ClockSkew(HOST);
            skew.observe("Sun, 22 Nov 2026 10:04:00 GMT");      // 60 s: fine
            skew.observe("Sun, 22 Nov 2026 10:00:00 GMT");      // 300 s ahead
            skew.observe("Sun, 22 Nov 2026 10:00:01 GMT");      // still ahead: no second warning
            assertEquals(Duration.ofSeconds(299), skew.last());
            skew.observe("Sun, 22 Nov 2026 10:05:30 GMT");      // 30 s behind: back within the limit
            skew.observe("not a date");
            skew.observe(null);
            assertEquals(Duration.ofSeconds(-30), skew.last());
            assertEquals(List.of(
                    "this host's clock is 300 s ahead of the gateway's (more than 120 s); certificates may look "
                            + "expired or not yet valid: fix time synchronisation (e.g. `timedatectl set-ntp true`)",
                    "this host's clock agrees with the gateway's again (30 s apart)"),
                    log.list.stream().map(ILoggingEvent::getFormattedMessage).toList());
        } finally {
            logger.detachAppender(log);
        }
    }

    @Test
    void aHostBehindTheGatewayIsNamedSo() {
        ListAppender<ILoggingEvent> log = new ListAppender<>();
        log.start();
        Logger logger = (Logger) LoggerFactory.getLogger("outpost.agent.clock");
        logger.addAppender(log);
        try {
            new ClockSkew(HOST).observe("Sun, 22 Nov 2026 10:15:00 GMT");
            assertEquals("this host's clock is 600 s behind the gateway's", log.list.get(0).getFormattedMessage()
                    .substring(0, 47));
        } finally {
            logger.detachAppender(log);
        }
    }

    @Test
    void theFixedDateFormReadByHandEqualsTheRfc1123Parser() {
        java.time.format.DateTimeFormatter rfc = java.time.format.DateTimeFormatter.RFC_1123_DATE_TIME;
        java.util.Random random = new java.util.Random(7);
        for (java.time.LocalDate d = java.time.LocalDate.of(1999, 12, 25); d.getYear() < 2031; d = d.plusDays(1)) {
            Instant t = d.atStartOfDay().toInstant(ZoneOffset.UTC).plusSeconds(random.nextInt(86_400));
            String header = rfc.format(t.atZone(ZoneOffset.UTC));
            // The formatter's own text (a one-digit day on the 1st to the 9th, as the gateway sends it), and the
            // IMF-fixdate form with the day padded to two digits.
            String padded = header.length() == 28 ? header.substring(0, 5) + "0" + header.substring(5) : header;
            for (String text : List.of(header, padded)) {
                assertEquals(t, ClockSkew.imfFixdate(text), text);
                assertEquals(java.time.ZonedDateTime.parse(text, rfc).toInstant(), ClockSkew.imfFixdate(text), text);
            }
        }
        assertEquals(Instant.parse("2026-12-03T16:03:55Z"), ClockSkew.imfFixdate("Thu, 3 Dec 2026 16:03:55 GMT"));
        // Anything else goes to the general parser: other weekdays, dates, forms, zones and cases.
        for (String other : List.of("Mon, 22 Nov 2026 10:04:00 GMT", "Thu, 31 Apr 2026 10:04:00 GMT",
                "Sun, 22 Nov 2026 24:04:00 GMT", "Sun, 22 Nov 2026 10:04:60 GMT", "Sun, 22 nov 2026 10:04:00 GMT",
                "Sun, 22 Nov 2026 10:04:00 UTC", "Sun, 22 Nov 2026 10:04:00 +0000", "Sun, 2 Nov 2026 10:04:00 GMT",
                "Sun,  2 Nov 2026 10:04:00 GMT", "Mon, 2 Nov 2026 10:04:0 GMT", "Mon, 2 Nov 2026 10:04:00 GM",
                "Mon,  2 Nov 2026 10:04:00 GMT", "Mon, 2 Nov 2026 1:04:00 GMT", "Mon, 0 Nov 2026 10:04:00 GMT",
                "Mon, 2 Nov 26 10:04:00 GMT",
                "Sun,22 Nov 2026 10:04:00 GMT ", "Fri, 29 Feb 2027 10:04:00 GMT", "Sun, 22 Xyz 2026 10:04:00 GMT",
                "Sux, 22 Nov 2026 10:04:00 GMT", "Sun, 22 Nov 2O26 10:04:00 GMT")) {
            assertEquals(null, ClockSkew.imfFixdate(other), other);
        }
    }

    @Test
    void theGatewaysOneDigitDayIsReadAsTheSameInstant() {
        ClockSkew skew = new ClockSkew(Clock.fixed(Instant.parse("2026-12-03T16:04:11Z"), ZoneOffset.UTC));
        assertEquals(Instant.parse("2026-12-03T16:04:06Z"), ClockSkew.imfFixdate("Thu, 3 Dec 2026 16:04:06 GMT"));
        skew.observe("Thu, 3 Dec 2026 16:04:06 GMT");
        assertEquals(Duration.ofSeconds(5), skew.last());
    }

    @Test
    void aDateWhoseWeekdayDoesNotMatchIsIgnoredAsBefore() {
        ClockSkew skew = new ClockSkew(HOST);
        skew.observe("Mon, 22 Nov 2026 10:00:00 GMT");
        assertEquals(null, skew.last());
        skew.observe("Sun, 22 Nov 2026 10:00:00 +0000"); // not the fixed form: the general parser reads it
        assertEquals(Duration.ofSeconds(300), skew.last());
    }
}
