package dev.outpost.agent.collect;

/**
 * Thrown by a {@link Collector} whose source exists but has nothing to report on this host (e.g. no load average
 * on this OS). Kept apart from failures: it is logged at debug level and does not count as an error.
 */
public final class NoDataException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    public NoDataException(String message) {
        super(message, null, false, false);
    }
}
