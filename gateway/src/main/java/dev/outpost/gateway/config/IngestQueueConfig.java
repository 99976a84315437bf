package dev.outpost.gateway.config;

import com.fasterxml.jackson.annotation.JsonCreator;
import com.fasterxml.jackson.annotation.JsonProperty;
import dev.outpost.wire.config.Violations;

/**
 * The {@code ingest.queue} section: the batches accepted but not yet delivered to the sink, bounded in count and
 * in decoded bytes (the gateway's heap holds them, parsed). When it is full, batches are answered 503 with
 * {@code Retry-After}: agents keep them on their own disks meanwhile. The sink takes everything queued at once, up
 * to {@code max_group_batches} batches, per delivery.
 */
public record IngestQueueConfig(int maxBatches, long maxBytes, int maxGroupBatches) {
    public static final int DEFAULT_MAX_BATCHES = 20_000;
    public static final long DEFAULT_MAX_BYTES = 8L << 20;
    public static final int DEFAULT_MAX_GROUP_BATCHES = 2_000;

    /**
     * @throws dev.outpost.wire.config.InvalidConfigException naming each value out of range
     */
    public IngestQueueConfig {
        Violations v = new Violations();
        v.between("max_batches", maxBatches, 1, 10_000_000, DEFAULT_MAX_BATCHES);
        v.bytesBetween("max_bytes", maxBytes, 1L << 20, 16L << 30, DEFAULT_MAX_BYTES);
        v.between("max_group_batches", maxGroupBatches, 1, 100_000, DEFAULT_MAX_GROUP_BATCHES);
        v.throwIfAny();
    }

    /** How the file binds: an absent key is {@code null} and takes its default. */
    @JsonCreator
    static IngestQueueConfig of(@JsonProperty("max_batches") Integer maxBatches,
            @JsonProperty("max_bytes") Long maxBytes, @JsonProperty("max_group_batches") Integer maxGroupBatches) {
        return new IngestQueueConfig(maxBatches == null ? DEFAULT_MAX_BATCHES : maxBatches,
                maxBytes == null ? DEFAULT_MAX_BYTES : maxBytes,
                maxGroupBatches == null ? DEFAULT_MAX_GROUP_BATCHES : maxGroupBatches);
    }

    public static IngestQueueConfig defaults() {
        return of(null, null, null);
    }
}
