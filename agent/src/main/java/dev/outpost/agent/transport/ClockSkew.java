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
        Instant gateway;
        try {
            gateway = ZonedDateTime.parse(dateHeader.trim(), DateTimeFormatter.RFC_1123_DATE_TIME).toInstant();
        } catch (DateTimeParseException e) {
            return;
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

    /** The skew at the last response with a readable {@code Date}: positive when this host is ahead; null before. */
    public Duration last() {
        return last;
    }
}
