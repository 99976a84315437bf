package dev.outpost.agent.transport;

import dev.outpost.agent.queue.BatchQueue;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Optional;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Sends queued batches oldest first, one at a time, with backoff between failures. Accepted batches leave the
 * queue; rejected ones (400, 413) are dropped and counted; a refused identity (401, 403) stops the loop with
 * the queue kept. Runs on its own thread until {@link #stop()}.
 */
public final class PushLoop implements Runnable {
    private static final Logger LOG = LoggerFactory.getLogger("outpost.agent.push");
    private final BatchQueue queue;
    private final OtlpPusher pusher;
    private final Backoff backoff;
    private final String agentId;
    private final Clock clock;
    private final Consumer<PushLoop> onChange;
    private final Timer latency;
    private final Counter failures;
    private final Counter rejected;
    private volatile boolean running = true;
    private volatile Instant lastAttempt;
    private volatile Instant lastSuccess;
    private volatile String lastResult = "none yet";
    private volatile String deniedReason;
    private volatile long sent;
    private volatile long rejectedCount;
    private volatile boolean failing;

    public PushLoop(BatchQueue queue, OtlpPusher pusher, Backoff backoff, String agentId, Clock clock,
            MeterRegistry registry, Consumer<PushLoop> onChange) {
        this.queue = queue;
        this.pusher = pusher;
        this.backoff = backoff;
        this.agentId = agentId;
        this.clock = clock;
        this.onChange = onChange;
        this.latency = Timer.builder("outpost.agent.push.duration").description("Time to push one batch")
                .register(registry);
        this.failures = Counter.builder("outpost.agent.push.failures").description("Push attempts that failed")
                .register(registry);
        this.rejected = Counter.builder("outpost.agent.batches.dropped").tag("reason", "rejected")
                .description("Batches the gateway rejected as malformed or too large").register(registry);
        registry.gauge("outpost.agent.push.last_success", java.util.List.of(), this,
                p -> p.lastSuccess == null ? Double.NaN : p.lastSuccess.toEpochMilli() / 1000.0);
    }

    @Override
    public void run() {
        while (running) {
            try {
                Optional<BatchQueue.Batch> next = queue.peek(1000);
                if (next.isEmpty() || !running) {
                    continue;
                }
                if (!sendOne(next.get())) {
                    return;
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            } catch (RuntimeException e) {
                LOG.error("push loop error; continuing", e);
            }
        }
    }

    /** Sends one batch; returns false if pushing must stop. */
    boolean sendOne(BatchQueue.Batch b) throws InterruptedException {
        long t0 = System.nanoTime();
        lastAttempt = clock.instant();
        PushResult r = pusher.push(b.gzipped(), agentId + ":" + b.sequence());
        latency.record(Duration.ofNanos(System.nanoTime() - t0));
        lastResult = r + " (" + pusher.lastReason() + ")";
        switch (r) {
            case ACCEPTED -> {
                queue.remove(b);
                sent++;
                lastSuccess = clock.instant();
                backoff.reset();
                if (failing) {
                    LOG.info("pushing works again; {} batches queued", queue.size());
                    failing = false;
                }
            }
            case REJECTED -> {
                queue.remove(b);
                rejected.increment();
                rejectedCount++;
                LOG.error("gateway rejected batch {}:{} ({}); dropped it", agentId, b.sequence(), pusher.lastReason());
            }
            case DENIED -> {
                deniedReason = pusher.lastReason();
                LOG.error("gateway refused this agent's identity ({}); stopped pushing, {} batches kept",
                        deniedReason, queue.size());
                onChange.accept(this);
                return false;
            }
            case RETRY -> {
                failures.increment();
                Duration wait = backoff.nextDelay(pusher.lastRetryAfter());
                if (!failing || backoff.failures() % 10 == 0) {
                    LOG.warn("push failed ({}); retrying in {} ms (attempt {}), {} batches queued",
                            pusher.lastReason(), wait.toMillis(), backoff.failures(), queue.size());
                }
                failing = true;
                onChange.accept(this);
                sleep(wait);
                return running;
            }
            default -> throw new IllegalStateException("unknown push result " + r);
        }
        onChange.accept(this);
        return true;
    }

    private synchronized void sleep(Duration d) throws InterruptedException {
        long end = System.nanoTime() + d.toNanos();
        while (running) {
            long left = end - System.nanoTime();
            if (left <= 0) {
                return;
            }
            wait(Math.max(1, left / 1_000_000));
        }
    }

    /** Ends the loop after the current attempt. */
    public synchronized void stop() {
        running = false;
        notifyAll();
    }

    public Instant lastAttempt() {
        return lastAttempt;
    }

    public Instant lastSuccess() {
        return lastSuccess;
    }

    public String lastResult() {
        return lastResult;
    }

    /** Why the gateway refused this agent, or null. */
    public String deniedReason() {
        return deniedReason;
    }

    public long sent() {
        return sent;
    }

    public long rejected() {
        return rejectedCount;
    }
}
