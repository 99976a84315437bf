package dev.outpost.agent.config;

import com.fasterxml.jackson.annotation.JsonCreator;
import com.fasterxml.jackson.annotation.JsonProperty;
import dev.outpost.wire.config.Violations;

/**
 * The {@code queue} section: the on-disk queue of encoded batches under the state directory, bounded in bytes
 * and by the free space it must leave on its filesystem; when full, the oldest batches go first (and are counted).
 */
public record QueueConfig(long maxBytes, long minFreeBytes) {
    public static final long DEFAULT_MAX_BYTES = 256L << 20;
    public static final long MIN_MAX_BYTES = 64L << 10;
    public static final long MAX_MAX_BYTES = 1L << 40;
    public static final long DEFAULT_MIN_FREE_BYTES = 64L << 20;

    /**
     * @throws dev.outpost.wire.config.InvalidConfigException naming each value out of range
     */
    public QueueConfig {
        Violations v = new Violations();
        v.bytesBetween("max_bytes", maxBytes, MIN_MAX_BYTES, MAX_MAX_BYTES, DEFAULT_MAX_BYTES);
        v.bytesBetween("min_free_bytes", minFreeBytes, 0, MAX_MAX_BYTES, DEFAULT_MIN_FREE_BYTES);
        v.throwIfAny();
    }

    /** How the file binds: an absent key is {@code null} and takes its default. */
    @JsonCreator
    static QueueConfig of(@JsonProperty("max_bytes") Long maxBytes, @JsonProperty("min_free_bytes") Long minFreeBytes) {
        return new QueueConfig(maxBytes == null ? DEFAULT_MAX_BYTES : maxBytes,
                minFreeBytes == null ? DEFAULT_MIN_FREE_BYTES : minFreeBytes);
    }

    /** {@code max_bytes: 268435456} (256 MiB), {@code min_free_bytes: 67108864} (64 MiB). */
    public static QueueConfig defaults() {
        return of(null, null);
    }
}
