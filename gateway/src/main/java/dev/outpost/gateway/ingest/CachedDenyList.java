package dev.outpost.gateway.ingest;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The agents that are revoked or locked, reloaded from the state store when the copy is older than
 * {@code maxAge} (1 s in the gateway): a revocation is enforced within that bound on every request, without a
 * database read per request. If a reload fails, the last list stays in force and the failure is logged.
 */
public final class CachedDenyList implements AgentGate {
    private static final Logger LOG = LoggerFactory.getLogger("outpost.gateway.ingest");

    /** Where the list comes from, e.g. {@code AgentRegistry::denied}. */
    @FunctionalInterface
    public interface Source {
        Map<String, String> load() throws Exception;
    }

    private final Source source;
    private final Clock clock;
    private final Duration maxAge;
    private Map<String, String> denied = Map.of();
    private Instant loadedAt;

    public CachedDenyList(Source source, Clock clock, Duration maxAge) {
        this.source = Objects.requireNonNull(source, "source");
        this.clock = Objects.requireNonNull(clock, "clock");
        if (maxAge == null || maxAge.isNegative()) {
            throw new IllegalArgumentException("maxAge " + maxAge + " must be zero or positive");
        }
        this.maxAge = maxAge;
    }

    @Override
    public synchronized Optional<String> refusal(String agentId) {
        Instant now = clock.instant();
        if (loadedAt == null || !now.isBefore(loadedAt.plus(maxAge))) {
            try {
                denied = Map.copyOf(source.load());
                loadedAt = now;
            } catch (Exception e) {
                LOG.warn("ingest: reloading the revoked agents failed, keeping the last list of {}: {}",
                        denied.size(), e.toString());
            }
        }
        return Optional.ofNullable(denied.get(agentId));
    }
}
