package dev.outpost.gateway.sink;

import java.time.Duration;

/**
 * The sink cannot store a group now (a store down, slow, answering 5xx or 429; a disk failing). Nothing of the
 * group counts as stored: agents are answered 503 and retry after {@link #retryAfter()}, keeping the batches in
 * their disk queues meanwhile.
 */
public final class SinkUnavailableException extends Exception {
    private static final long serialVersionUID = 1L;
    /** The reason group, for counters: "connect", "timeout", "http_503", "io", ... */
    private final String reason;
    private final transient Duration retryAfter;

    /** @param retryAfter the store's own Retry-After, or null to let the gateway's backoff decide */
    public SinkUnavailableException(String reason, String message, Duration retryAfter, Throwable cause) {
        super(message, cause, false, false);
        this.reason = reason;
        this.retryAfter = retryAfter;
    }

    public String reason() {
        return reason;
    }

    /** What the store asked for, if anything. */
    public Duration retryAfter() {
        return retryAfter;
    }
}
