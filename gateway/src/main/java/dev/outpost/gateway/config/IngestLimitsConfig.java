package dev.outpost.gateway.config;

import com.fasterxml.jackson.annotation.JsonCreator;
import com.fasterxml.jackson.annotation.JsonProperty;
import dev.outpost.gateway.ingest.BatchScan;
import dev.outpost.wire.config.Violations;

/**
 * The {@code ingest.limits} section: what one request may hold (data points, metrics, attributes per list, the
 * length of attribute keys and values) and how many connections one agent may hold. A request beyond a count is
 * answered 413, one with a value too long 413 as well, naming the limit; nothing of it is stored.
 */
public record IngestLimitsConfig(int maxPoints, int maxMetrics, int maxAttributes, int maxAttributeKeyBytes,
        int maxAttributeValueBytes, int maxConnectionsPerAgent) implements BatchScan.IngestLimitsView {
    public static final int DEFAULT_MAX_POINTS = 20_000;
    public static final int DEFAULT_MAX_METRICS = 5_000;
    public static final int DEFAULT_MAX_ATTRIBUTES = 128;
    public static final int DEFAULT_MAX_ATTRIBUTE_KEY_BYTES = 256;
    public static final int DEFAULT_MAX_ATTRIBUTE_VALUE_BYTES = 4096;
    public static final int DEFAULT_MAX_CONNECTIONS_PER_AGENT = 8;

    /**
     * @throws dev.outpost.wire.config.InvalidConfigException naming each value out of range
     */
    public IngestLimitsConfig {
        Violations v = new Violations();
        v.between("max_points", maxPoints, 1, 1_000_000, DEFAULT_MAX_POINTS);
        v.between("max_metrics", maxMetrics, 1, 100_000, DEFAULT_MAX_METRICS);
        v.between("max_attributes", maxAttributes, 1, 1024, DEFAULT_MAX_ATTRIBUTES);
        v.between("max_attribute_key_bytes", maxAttributeKeyBytes, 16, 4096, DEFAULT_MAX_ATTRIBUTE_KEY_BYTES);
        v.between("max_attribute_value_bytes", maxAttributeValueBytes, 16, 1 << 20,
                DEFAULT_MAX_ATTRIBUTE_VALUE_BYTES);
        v.between("max_connections_per_agent", maxConnectionsPerAgent, 1, 1024, DEFAULT_MAX_CONNECTIONS_PER_AGENT);
        v.throwIfAny();
    }

    /** How the file binds: an absent key is {@code null} and takes its default. */
    @JsonCreator
    static IngestLimitsConfig of(@JsonProperty("max_points") Integer maxPoints,
            @JsonProperty("max_metrics") Integer maxMetrics,
            @JsonProperty("max_attributes") Integer maxAttributes,
            @JsonProperty("max_attribute_key_bytes") Integer maxAttributeKeyBytes,
            @JsonProperty("max_attribute_value_bytes") Integer maxAttributeValueBytes,
            @JsonProperty("max_connections_per_agent") Integer maxConnectionsPerAgent) {
        return new IngestLimitsConfig(maxPoints == null ? DEFAULT_MAX_POINTS : maxPoints,
                maxMetrics == null ? DEFAULT_MAX_METRICS : maxMetrics,
                maxAttributes == null ? DEFAULT_MAX_ATTRIBUTES : maxAttributes,
                maxAttributeKeyBytes == null ? DEFAULT_MAX_ATTRIBUTE_KEY_BYTES : maxAttributeKeyBytes,
                maxAttributeValueBytes == null ? DEFAULT_MAX_ATTRIBUTE_VALUE_BYTES : maxAttributeValueBytes,
                maxConnectionsPerAgent == null ? DEFAULT_MAX_CONNECTIONS_PER_AGENT : maxConnectionsPerAgent);
    }

    public static IngestLimitsConfig defaults() {
        return of(null, null, null, null, null, null);
    }

    @Override
    public int maxPointsPerBatch() {
        return maxPoints;
    }

    @Override
    public int maxMetricsPerBatch() {
        return maxMetrics;
    }
}
