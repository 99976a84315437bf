package dev.outpost.agent.enroll;

import dev.outpost.agent.status.Timestamps;
import dev.outpost.agent.tls.Credentials;
import dev.outpost.agent.tls.Identity;
import dev.outpost.agent.tls.TlsSettings;
import dev.outpost.agent.transport.Backoff;
import java.io.IOException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.random.RandomGenerator;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Renews the agent's certificate before it expires. Each certificate is renewed at a uniformly random point
 * between 50% and 70% of its lifetime, so a fleet never renews in step; a failure is retried with capped, fully
 * jittered exponential backoff honouring {@code Retry-After}, densely enough to get several tries before expiry,
 * and on past expiry (the gateway's renewal grace decides). A refusal (401, 403: revoked, locked, expired beyond
 * the grace) ends renewal at once with its reason. Driven by {@link #tick()}, with time from a {@link Clock}.
 */
public final class Renewer {
    private static final Logger LOG = LoggerFactory.getLogger("outpost.agent.renew");
    /** The longest wait between two checks, so that a host waking from suspend re-checks soon. */
    public static final Duration MAX_SLEEP = Duration.ofMinutes(1);
    private static final Duration MIN_RETRY = Duration.ofSeconds(1);

    /** One renewal: a new key and certificate for {@code current}'s identity, or why not. */
    public interface Reenroll {
        Credentials renew(Credentials current) throws IOException;

        /** The certificate it renewed to was refused in use: the next renewal must not ask for the same again. */
        default void renewedCertificateRefused() throws IOException {
        }
    }

    private final Identity identity;
    private final Reenroll est;
    private final Backoff backoff;
    private final RandomGenerator random;
    private final Clock clock;
    private volatile long failures;
    private volatile long renewals;
    private String plannedSerial;
    private String renewedFrom;
    private String renewedTo;
    private volatile Instant nextAttempt;
    private volatile String refusal;

    public Renewer(Identity identity, Reenroll est, Backoff backoff, RandomGenerator random, Clock clock) {
        this.identity = identity;
        this.est = est;
        this.backoff = backoff;
        this.random = random;
        this.clock = clock;
    }

    /**
     * Renews if it is time, and returns how long to wait before the next call (at most {@link #MAX_SLEEP}), or
     * null once the gateway has refused renewal for good.
     */
    public synchronized Duration tick() {
        if (refusal != null) {
            return null;
        }
        Credentials current = identity.current();
        if (renewedTo != null && !identity.hasStaged() && current.serial().equals(renewedTo)) {
            // The renewed certificate was used successfully: renewal works, start the next backoff afresh.
            backoff.reset();
            renewedTo = null;
        }
        if (!current.serial().equals(plannedSerial)) {
            plan(current);
        }
        if (!clock.instant().isBefore(nextAttempt)) {
            attempt(current);
            if (refusal != null) {
                return null;
            }
            if (!identity.current().serial().equals(plannedSerial)) {
                plan(identity.current());
            }
        }
        Duration wait = Duration.between(clock.instant(), nextAttempt);
        return wait.isNegative() ? Duration.ZERO : wait.compareTo(MAX_SLEEP) > 0 ? MAX_SLEEP : wait;
    }

    private void plan(Credentials c) {
        plannedSerial = c.serial();
        if (c.serial().equals(renewedFrom)) {
            // The certificate it was renewed to did not work and was dropped: try again, backing off further.
            try {
                est.renewedCertificateRefused();
            } catch (IOException e) {
                LOG.warn("cannot forget the key of the refused certificate: {}", e.getMessage());
            }
            nextAttempt = clock.instant().plus(retryDelay(c, null));
            return;
        }
        Duration lifetime = Duration.between(c.notBefore(), c.notAfter());
        double fraction = 0.5 + 0.2 * random.nextDouble();
        nextAttempt = c.notBefore().plusMillis((long) (lifetime.toMillis() * fraction));
        LOG.info("certificate serial {} valid until {}; renewal planned at {}", c.serial(),
                Timestamps.iso(c.notAfter()), Timestamps.iso(nextAttempt));
    }

    private void attempt(Credentials current) {
        try {
            Credentials next = est.renew(current);
            identity.stage(next);
            renewals++;
            renewedFrom = current.serial();
            renewedTo = next.serial();
            LOG.info("certificate renewed: serial {} -> {}, valid until {}; new connections present it",
                    current.serial(), next.serial(), Timestamps.iso(next.notAfter()));
        } catch (EstClient.RefusedException e) {
            if (e.status() == 401 || e.status() == 403) {
                refusal = refusalMessage(current, e.getMessage());
                LOG.error("{}; no more renewal attempts", refusal);
                return;
            }
            failed(current, e.getMessage(), e.retryAfter());
        } catch (IOException e) {
            if (TlsSettings.untrustedGateway(e) && !current.notAfter().isAfter(clock.instant())) {
                // Expired, and the gateway is not one this agent can trust: nothing but a new enrollment helps.
                refusal = "the certificate of " + current.agentId() + " expired at " + current.notAfter() + " and this "
                        + "agent cannot renew it: " + e.getMessage() + ". " + reenroll(current);
                LOG.error("{}; no more renewal attempts", refusal);
                return;
            }
            failed(current, e.getMessage(), null);
        }
    }

    private void failed(Credentials current, String why, String retryAfter) {
        failures++;
        Duration wait = retryDelay(current, retryAfter);
        nextAttempt = clock.instant().plus(wait);
        LOG.warn("certificate renewal failed ({}); retrying in {} s (attempt {}); certificate serial {} valid until {}",
                why, Math.max(1, wait.toSeconds()), backoff.failures(), current.serial(),
                Timestamps.iso(current.notAfter()));
    }

    /** The backoff delay, shortened before expiry to at most half the time left so several tries fit in. */
    private Duration retryDelay(Credentials current, String retryAfter) {
        Duration d = backoff.nextDelay(retryAfter);
        Duration left = Duration.between(clock.instant(), current.notAfter());
        if (retryAfter == null && !left.isNegative()) {
            Duration half = left.dividedBy(2);
            d = d.compareTo(half) > 0 ? half : d;
        }
        return d.compareTo(MIN_RETRY) < 0 ? MIN_RETRY : d;
    }

    private String refusalMessage(Credentials c, String reason) {
        if (c.notAfter().isAfter(clock.instant())) {
            return "the gateway refused to renew the certificate of " + c.agentId() + " (" + reason + ")";
        }
        return "the certificate of " + c.agentId() + " expired at " + c.notAfter() + " and the gateway refused to "
                + "renew it (" + reason + "). " + reenroll(c);
    }

    private static String reenroll(Credentials c) {
        return "This host needs a new enrollment token: create one with `outpost-gateway token create --org " + c.org()
                + "`, then run `outpost-agent enroll --force --server URL --ca-sha256 PIN --token-file FILE` and start "
                + "the agent again (installed from a package: `install.sh --reenroll --server URL --ca-pin PIN "
                + "--token-file FILE` does both)";
    }

    /** When the next renewal attempt is due; null before the first {@link #tick()}. */
    public Instant nextAttempt() {
        return nextAttempt;
    }

    /** Why renewal stopped for good, or null while it goes on. */
    public String refusal() {
        return refusal;
    }

    /** Renewal attempts that failed (and were retried) since the agent started. */
    public long failures() {
        return failures;
    }

    /** Certificates renewed since the agent started. */
    public long renewals() {
        return renewals;
    }
}
