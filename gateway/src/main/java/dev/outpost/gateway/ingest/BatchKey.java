package dev.outpost.gateway.ingest;

/**
 * An Outpost batch's {@code Idempotency-Key}, {@code <agent-id>:<seq>} with {@code seq} a decimal number from
 * 0 to 2^63-1. Sequences of one agent only go up, which is what lets a single watermark per agent dedupe.
 */
public record BatchKey(String agentId, long seq) {
    /** The key in {@code header}, or null if there is none or it has another form (a third-party client's). */
    public static BatchKey parse(String header) {
        if (header == null) {
            return null;
        }
        int colon = header.lastIndexOf(':');
        if (colon < 1 || colon == header.length() - 1 || header.length() - colon - 1 > 19) {
            return null;
        }
        String digits = header.substring(colon + 1);
        if (!digits.chars().allMatch(c -> c >= '0' && c <= '9')) {
            return null;
        }
        try {
            return new BatchKey(header.substring(0, colon), Long.parseLong(digits));
        } catch (NumberFormatException e) {
            return null; // beyond 2^63-1
        }
    }

    @Override
    public String toString() {
        return agentId + ":" + seq;
    }
}
