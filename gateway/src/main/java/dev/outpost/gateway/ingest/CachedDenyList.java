package dev.outpost.gateway.ingest;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.locks.ReentrantLock;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The agents that are revoked or locked, reloaded from the state store when the copy is older than
 * {@code maxAge} (1 s in the gateway): a revocation is enforced within that bound (plus the time of one reload) on
 * every request, without a database read per request. If a reload fails, the last list stays in force and the
 * failure is logged, and the next reload waits: {@link #RETRY_FIRST}, doubling after each failure up to
 * {@link #RETRY_MAX}, so that a database that does not answer (each try may take the connect timeout, 5 s by
 * default) is not tried again at every request. The bound while reloads fail: a revocation is enforced at most
 * {@link #RETRY_MAX} (plus one reload) after the database answers again.
 *
 * <p>No lock on the hot path: every I/O thread reads the current copy; the one caller that finds it stale reloads it
 * (in the gateway that is nearly always the once-a-second connection sweep, on the blocking group) while the others
 * go on with the copy they have instead of waiting for the database. At 10,000 connections a shared monitor here,
 * held during the reload, had the I/O threads queueing behind it (bench/fleet.sh, jcmd Thread.print).
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
    /** The wait before the first reload after a failure; it doubles with each failure in a row. */
    public static final Duration RETRY_FIRST = Duration.ofSeconds(1);
    /** The longest wait between reloads while they fail. */
    public static final Duration RETRY_MAX = Duration.ofSeconds(10);
    private final ReentrantLock reloading = new ReentrantLock();
    private volatile Copy copy = new Copy(Map.of(), null);
    /** After a failed reload, none before this; null when the last one worked. */
    private volatile Instant retryAt;
    /** Failed reloads in a row; changed under {@link #reloading}. */
    private int failures;

    private record Copy(Map<String, String> denied, Instant loadedAt) {
    }

    public CachedDenyList(Source source, Clock clock, Duration maxAge) {
        this.source = Objects.requireNonNull(source, "source");
        this.clock = Objects.requireNonNull(clock, "clock");
        if (maxAge == null || maxAge.isNegative()) {
            throw new IllegalArgumentException("maxAge " + maxAge + " must be zero or positive");
        }
        this.maxAge = maxAge;
    }

    @Override
    public Optional<String> refusal(String agentId) {
        Copy c = copy;
        // Until the first load, every caller waits for it: no request is let through on an empty list.
        if (c.loadedAt() == null && !backingOff()) {
            reloading.lock();
        } else if (!due(c) || !reloading.tryLock()) {
            return Optional.ofNullable(c.denied().get(agentId));
        }
        try {
            c = copy;
            if (due(c)) {
                Instant now = clock.instant();
                try {
                    c = new Copy(Map.copyOf(source.load()), now);
                    copy = c;
                    if (failures > 0) {
                        LOG.info("ingest: reloading the revoked agents works again, after {} failed tries", failures);
                    }
                    failures = 0;
                    retryAt = null;
                } catch (Exception e) {
                    failures++;
                    Duration wait = RETRY_FIRST.multipliedBy(1L << Math.min(failures - 1, 16));
                    wait = wait.compareTo(RETRY_MAX) > 0 ? RETRY_MAX : wait;
                    retryAt = clock.instant().plus(wait);
                    LOG.warn("ingest: reloading the revoked agents failed, keeping the last list of {} and trying "
                            + "again in {} ms: {}", c.denied().size(), wait.toMillis(), e.toString());
                }
            }
        } finally {
            reloading.unlock();
        }
        return Optional.ofNullable(c.denied().get(agentId));
    }

    private boolean due(Copy c) {
        return stale(c) && !backingOff();
    }

    private boolean backingOff() {
        Instant r = retryAt;
        return r != null && clock.instant().isBefore(r);
    }

    private boolean stale(Copy c) {
        return c.loadedAt() == null || !clock.instant().isBefore(c.loadedAt().plus(maxAge));
    }
}
