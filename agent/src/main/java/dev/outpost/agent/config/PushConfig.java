package dev.outpost.agent.config;

import com.fasterxml.jackson.annotation.JsonCreator;
import com.fasterxml.jackson.annotation.JsonProperty;
import dev.outpost.wire.config.Violations;
import java.time.Duration;

/**
 * The {@code push} section: how long one push may take, and how many batches wait in memory for the gateway
 * before the oldest is dropped (the bound that keeps an unreachable gateway from exhausting the agent's memory).
 */
public record PushConfig(Duration timeout, int maxQueuedBatches) {
    public static final Duration DEFAULT_TIMEOUT = Duration.ofSeconds(10);
    public static final Duration MIN_TIMEOUT = Duration.ofSeconds(1);
    public static final Duration MAX_TIMEOUT = Duration.ofMinutes(5);
    public static final int DEFAULT_MAX_QUEUED_BATCHES = 360;
    public static final int MAX_MAX_QUEUED_BATCHES = 100_000;

    /**
     * @throws dev.outpost.wire.config.InvalidConfigException naming each value out of range
     */
    public PushConfig {
        Violations v = new Violations();
        if (timeout == null) {
            v.add("timeout", "missing");
        } else {
            v.durationBetween("timeout", timeout, MIN_TIMEOUT, MAX_TIMEOUT, DEFAULT_TIMEOUT);
        }
        v.between("max_queued_batches", maxQueuedBatches, 1, MAX_MAX_QUEUED_BATCHES, DEFAULT_MAX_QUEUED_BATCHES);
        v.throwIfAny();
    }

    /** How the file binds: an absent key is {@code null} and takes its default. */
    @JsonCreator
    static PushConfig of(@JsonProperty("timeout") Duration timeout,
            @JsonProperty("max_queued_batches") Integer maxQueuedBatches) {
        return new PushConfig(timeout == null ? DEFAULT_TIMEOUT : timeout,
                maxQueuedBatches == null ? DEFAULT_MAX_QUEUED_BATCHES : maxQueuedBatches);
    }

    /** {@code timeout: 10s}, {@code max_queued_batches: 360}. */
    public static PushConfig defaults() {
        return of(null, null);
    }
}
