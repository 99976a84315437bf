package dev.outpost.gateway.store;

import java.time.Instant;
import java.util.HexFormat;

/**
 * A stored audit entry: its position in the chain, the event, the hash of the entry before it and its own hash
 * over a canonical encoding of all of that ({@link AuditHash}).
 */
public record AuditEntry(long seq, Instant time, AuditEvent event, byte[] prevHash, byte[] hash) {
    /**
     * The whole SHA-256 hash in hex (64 digits): a head kept elsewhere must be all of it, since a prefix could be
     * matched by an entry forged for the purpose.
     */
    public String hashHex() {
        return HexFormat.of().formatHex(hash);
    }

    /** One line for {@code audit list}: seq, time, kind, then the non-empty fields, then the detail. */
    public String format() {
        StringBuilder b = new StringBuilder();
        b.append(seq).append(' ').append(time).append(' ').append(event.kind());
        field(b, "org", event.org());
        field(b, "agent", event.agent());
        field(b, "token", event.token());
        field(b, "source", event.source());
        return b.append(" : ").append(event.detail()).toString();
    }

    private static void field(StringBuilder b, String name, String value) {
        if (value != null && !value.isEmpty()) {
            b.append(' ').append(name).append('=').append(value);
        }
    }
}
