package dev.outpost.gateway.store;

import java.time.Duration;
import java.time.Instant;
import java.util.Objects;

/**
 * Where a CA rollover stands (the row of {@link RolloverRecord}): requested by the operator, staged (the next CA is
 * published beside the current one), or switched (the next CA issues; the previous one is still trusted). Times the
 * gateway has not reached yet are null; {@code switchBy} and {@code retireBy} say who set those times ("cli" for an
 * operator's {@code ca switch} or {@code ca retire}, null for the planned ones).
 */
public record Rollover(Phase phase, Instant requestedAt, Duration switchAfter, Instant stagedAt, Instant switchAt,
        String switchBy, Instant switchedAt, Instant retireAt, String retireBy, String nextPin, String previousPin) {
    /** The steps of a rollover, in order. After the last one the row is gone: the previous CA is retired. */
    public enum Phase {
        REQUESTED, STAGED, SWITCHED;

        /** The spelling in the database and in {@code ca status}. */
        public String text() {
            return name().toLowerCase(java.util.Locale.ROOT);
        }

        static Phase of(String text) {
            return valueOf(text.toUpperCase(java.util.Locale.ROOT));
        }
    }

    public Rollover {
        Objects.requireNonNull(phase, "phase");
        Objects.requireNonNull(requestedAt, "requestedAt");
        Objects.requireNonNull(switchAfter, "switchAfter");
    }

    /** Whether the switch is due at {@code now} (staged, and its time has come). */
    public boolean switchDue(Instant now) {
        return phase == Phase.STAGED && switchAt != null && !now.isBefore(switchAt);
    }

    /** Whether the retirement of the previous CA is due at {@code now}. */
    public boolean retireDue(Instant now) {
        return phase == Phase.SWITCHED && retireAt != null && !now.isBefore(retireAt);
    }
}
