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
}
