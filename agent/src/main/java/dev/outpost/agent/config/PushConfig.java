package dev.outpost.agent.config;

import com.fasterxml.jackson.annotation.JsonCreator;
import com.fasterxml.jackson.annotation.JsonProperty;
import dev.outpost.wire.config.Violations;
import java.time.Duration;

/**
 * The {@code push} section: how long one push may take, how many batches may be in flight on the connection
 * during a backlog, the retry backoff (exponential with full jitter, honouring {@code Retry-After}), and how far the
 * first reconnect after a lost gateway is spread.
 */
public record PushConfig(Duration timeout, int maxInFlight, Duration backoffInitial, Duration backoffMax,
        Duration retryAfterMax, Duration reconnectSpread) {
    public static final Duration DEFAULT_TIMEOUT = Duration.ofSeconds(10);
    public static final Duration MIN_TIMEOUT = Duration.ofSeconds(1);
    public static final Duration MAX_TIMEOUT = Duration.ofMinutes(5);
    public static final int DEFAULT_MAX_IN_FLIGHT = 8;
    public static final int MAX_MAX_IN_FLIGHT = 64;
    public static final Duration DEFAULT_BACKOFF_INITIAL = Duration.ofSeconds(1);
    public static final Duration DEFAULT_BACKOFF_MAX = Duration.ofMinutes(2);
    public static final Duration DEFAULT_RETRY_AFTER_MAX = Duration.ofMinutes(10);
    public static final Duration DEFAULT_RECONNECT_SPREAD = Duration.ofSeconds(10);

    /**
     * @throws dev.outpost.wire.config.InvalidConfigException naming each value out of range
     */
    public PushConfig {
        Violations v = new Violations();
        v.durationBetween("timeout", timeout, MIN_TIMEOUT, MAX_TIMEOUT, DEFAULT_TIMEOUT);
        v.between("max_in_flight", maxInFlight, 1, MAX_MAX_IN_FLIGHT, DEFAULT_MAX_IN_FLIGHT);
        v.durationBetween("backoff_initial", backoffInitial, Duration.ofMillis(100), Duration.ofMinutes(1),
                DEFAULT_BACKOFF_INITIAL);
        v.durationBetween("backoff_max", backoffMax, Duration.ofSeconds(1), Duration.ofHours(1), DEFAULT_BACKOFF_MAX);
        v.durationBetween("retry_after_max", retryAfterMax, Duration.ofSeconds(1), Duration.ofHours(1),
                DEFAULT_RETRY_AFTER_MAX);
        if (reconnectSpread == null || !reconnectSpread.isZero()) {
            v.durationBetween("reconnect_spread", reconnectSpread, Duration.ofSeconds(1), Duration.ofMinutes(10),
                    DEFAULT_RECONNECT_SPREAD);
        }
        if (backoffInitial != null && backoffMax != null && backoffMax.compareTo(backoffInitial) < 0) {
            v.add("backoff_max", "\"" + dev.outpost.wire.Durations.format(backoffMax) + "\" is below backoff_initial \""
                    + dev.outpost.wire.Durations.format(backoffInitial) + "\"; make it at least as long");
        }
        v.throwIfAny();
    }

    /** How the file binds: an absent key is {@code null} and takes its default. */
    @JsonCreator
    static PushConfig of(@JsonProperty("timeout") Duration timeout,
            @JsonProperty("max_in_flight") Integer maxInFlight,
            @JsonProperty("backoff_initial") Duration backoffInitial,
            @JsonProperty("backoff_max") Duration backoffMax,
            @JsonProperty("retry_after_max") Duration retryAfterMax,
            @JsonProperty("reconnect_spread") Duration reconnectSpread) {
        return new PushConfig(timeout == null ? DEFAULT_TIMEOUT : timeout,
                maxInFlight == null ? DEFAULT_MAX_IN_FLIGHT : maxInFlight,
                backoffInitial == null ? DEFAULT_BACKOFF_INITIAL : backoffInitial,
                backoffMax == null ? DEFAULT_BACKOFF_MAX : backoffMax,
                retryAfterMax == null ? DEFAULT_RETRY_AFTER_MAX : retryAfterMax,
                reconnectSpread == null ? DEFAULT_RECONNECT_SPREAD : reconnectSpread);
    }

    /**
     * {@code timeout: 10s}, {@code max_in_flight: 8}, backoff 1s to 2m, {@code Retry-After} honoured up to 10m, the
     * reconnect after a lost gateway spread over 10s.
     */
    public static PushConfig defaults() {
        return of(null, null, null, null, null, null);
    }
}
