package dev.outpost.gateway.config;

import com.fasterxml.jackson.annotation.JsonCreator;
import com.fasterxml.jackson.annotation.JsonProperty;
import dev.outpost.wire.config.Violations;
import java.time.Duration;

/**
 * The {@code tokens} section: what {@code outpost-gateway token create} uses when {@code --uses} or
 * {@code --expires} is not given.
 */
public record TokensConfig(int defaultUses, Duration defaultExpiry) {
    public static final int DEFAULT_USES = 1;
    public static final int MAX_USES = 1_000_000;
    public static final Duration DEFAULT_EXPIRY = Duration.ofHours(24);
    public static final Duration MIN_EXPIRY = Duration.ofMinutes(1);
    public static final Duration MAX_EXPIRY = Duration.ofDays(365);

    /**
     * @throws dev.outpost.wire.config.InvalidConfigException naming each value out of range
     */
    public TokensConfig {
        Violations v = new Violations();
        v.between("default_uses", defaultUses, 1, MAX_USES, DEFAULT_USES);
        if (defaultExpiry == null) {
            v.add("default_expiry", "missing");
        } else {
            v.durationBetween("default_expiry", defaultExpiry, MIN_EXPIRY, MAX_EXPIRY, DEFAULT_EXPIRY);
        }
        v.throwIfAny();
    }

    /** How the file binds: an absent key is {@code null} and takes its default. */
    @JsonCreator
    static TokensConfig of(@JsonProperty("default_uses") Integer defaultUses,
            @JsonProperty("default_expiry") Duration defaultExpiry) {
        return new TokensConfig(defaultUses == null ? DEFAULT_USES : defaultUses,
                defaultExpiry == null ? DEFAULT_EXPIRY : defaultExpiry);
    }

    public static TokensConfig defaults() {
        return of(null, null);
    }
}
