package dev.outpost.agent;

import dev.outpost.agent.enroll.Renewer;
import dev.outpost.agent.metrics.AgentMeters;
import dev.outpost.agent.metrics.Metrics;
import dev.outpost.agent.metrics.Points;
import dev.outpost.agent.queue.DiskQueue;
import dev.outpost.agent.queue.QueueStats;
import dev.outpost.agent.tls.Identity;
import dev.outpost.agent.transport.PushLoop;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Objects;

/**
 * The agent's own health, read from the queue, the push loop, the renewer and the certificate just before each
 * batch is encoded, and sent in the same batches as the host metrics: the agent has no port to scrape. Times are
 * durations on the agent's own clock (seconds until expiry, since the last accepted batch), not Unix times, so an
 * alert is a plain threshold and stays right when this host's clock is off, which is exactly what
 * {@code outpost.agent.clock.skew} reports.
 */
final class SelfMetrics {
    private final DiskQueue queue;
    private final Identity identity;
    private final PushLoop push;
    private final Renewer renewer;
    private final Clock clock;
    private final Points batches;
    private final Points bytes;
    private final Points oldestAge;
    private final Points dropped;
    private final Points pushFailures;
    private final Points lastSuccessAge;
    private final Points skew;
    private final Points expiresIn;
    private final Points renewalDueIn;
    private final Points renewals;
    private final Points renewalFailures;
    private final Points[] all;

    SelfMetrics(Metrics metrics, DiskQueue queue, Identity identity, PushLoop push, Renewer renewer, Clock clock) {
        this.queue = Objects.requireNonNull(queue, "queue");
        this.identity = Objects.requireNonNull(identity, "identity");
        this.push = Objects.requireNonNull(push, "push");
        this.renewer = Objects.requireNonNull(renewer, "renewer");
        this.clock = Objects.requireNonNull(clock, "clock");
        this.batches = metrics.points(AgentMeters.QUEUE_BATCHES);
        this.bytes = metrics.points(AgentMeters.QUEUE_BYTES);
        this.oldestAge = metrics.points(AgentMeters.QUEUE_OLDEST_AGE);
        this.dropped = metrics.points(AgentMeters.BATCHES_DROPPED);
        this.pushFailures = metrics.points(AgentMeters.PUSH_FAILURES);
        this.lastSuccessAge = metrics.points(AgentMeters.PUSH_LAST_SUCCESS_AGE);
        this.skew = metrics.points(AgentMeters.CLOCK_SKEW);
        this.expiresIn = metrics.points(AgentMeters.CERTIFICATE_EXPIRES_IN);
        this.renewalDueIn = metrics.points(AgentMeters.CERTIFICATE_RENEWAL_DUE_IN);
        this.renewals = metrics.points(AgentMeters.CERTIFICATE_RENEWALS);
        this.renewalFailures = metrics.points(AgentMeters.CERTIFICATE_RENEWAL_FAILURES);
        this.all = new Points[] {batches, bytes, oldestAge, dropped, pushFailures, lastSuccessAge, skew, expiresIn,
            renewalDueIn, renewals, renewalFailures};
    }

    /** Reads every source now; call on the collection thread, before encoding. */
    void update() {
        Instant now = clock.instant();
        QueueStats q = queue.stats();
        for (Points p : all) {
            p.clear();
        }
        batches.add(q.records());
        bytes.add(q.bytes());
        oldestAge.add(Math.max(0, seconds(q.oldestAge(now))));
        dropped.add(q.droppedFull(), "queue_full");
        dropped.add(q.droppedDiskFull(), "disk_full");
        dropped.add(q.corruptSkipped(), "corrupt");
        dropped.add(push.rejected(), "rejected");
        pushFailures.add(push.retries());
        if (push.lastSuccess() != null) {
            lastSuccessAge.add(Math.max(0, seconds(Duration.between(push.lastSuccess(), now))));
        }
        if (push.clockSkew() != null) {
            skew.add(seconds(push.clockSkew()));
        }
        expiresIn.add(seconds(Duration.between(now, identity.current().notAfter())));
        Instant next = renewer.nextAttempt();
        if (next != null && renewer.refusal() == null) {
            renewalDueIn.add(Math.max(0, seconds(Duration.between(now, next))));
        }
        renewals.add(renewer.renewals());
        renewalFailures.add(renewer.failures());
    }

    private static double seconds(Duration d) {
        return d.toNanos() / 1e9;
    }
}
