package dev.outpost.agent.transport;

import dev.outpost.agent.metrics.AgentMeters;
import dev.outpost.agent.metrics.Histogram;
import dev.outpost.agent.metrics.Metrics;
import dev.outpost.agent.queue.DiskQueue;
import java.io.IOException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Sends queued batches oldest first, up to {@code maxInFlight} pipelined on one connection, and acknowledges in
 * the queue only the prefix the gateway stored, so nothing is skipped or reordered. Rejected batches (400, 413)
 * are dropped and counted; retryable failures back off; a refused identity (401, 403) ends the loop with the
 * queue kept. Runs on its own thread until {@link #stop()}.
 */
public final class PushLoop implements Runnable {
    private static final Logger LOG = LoggerFactory.getLogger("outpost.agent.push");
    private final DiskQueue queue;
    private final Pusher pusher;
    private final Backoff backoff;
    private final BatchKeys keys;
    private final KeyRebase rebase;
    private final int maxInFlight;
    private final Clock clock;
    private final Consumer<PushLoop> onChange;
    private final ClockSkew skew;
    private final Histogram latency;
    private volatile boolean running = true;
    private volatile Instant lastAttempt;
    private volatile Instant lastSuccess;
    private volatile String lastResult = "none yet";
    private volatile String lastDate;
    private volatile String deniedReason;
    private volatile long sent;
    private volatile long rejectedCount;
    private volatile long retries;
    private boolean failing;
    /** The last error of the loop itself (not of a push), so that one repeated is logged without its stack trace. */
    private String lastError;
    private long repeats;
    private boolean work;
    private boolean retryNow;

    /**
     * Numbers batches with {@code keys} (moved past the gateway's watermark when it shows them to be behind) and
     * records the time to each accepted batch in {@code metrics}' {@code outpost.agent.push.duration}.
     */
    public PushLoop(DiskQueue queue, Pusher pusher, Backoff backoff, BatchKeys keys, int maxInFlight, Clock clock,
            Metrics metrics, Consumer<PushLoop> onChange) {
        if (maxInFlight < 1) {
            throw new IllegalArgumentException("maxInFlight " + maxInFlight + " must be at least 1");
        }
        this.queue = queue;
        this.pusher = pusher;
        this.backoff = backoff;
        this.keys = keys;
        this.maxInFlight = maxInFlight;
        this.clock = clock;
        this.onChange = onChange;
        this.skew = new ClockSkew(clock);
        this.rebase = new KeyRebase(keys, clock, skew);
        this.latency = metrics.histogram(AgentMeters.PUSH_DURATION);
    }

    @Override
    public void run() {
        while (running) {
            try {
                List<DiskQueue.Record> next = queue.peek(maxInFlight);
                if (next.isEmpty()) {
                    // Every append wakes the loop; the timeout is only a safety net, long so an idle agent sleeps.
                    awaitWork(60_000);
                    continue;
                }
                if (!sendAll(next)) {
                    return;
                }
                lastError = null;
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            } catch (IOException | RuntimeException e) {
                // A failing disk fails every read the same way: the stack trace once, then a line a minute.
                String what = String.valueOf(e);
                if (!what.equals(lastError)) {
                    LOG.error("push loop error; retrying every second", e);
                    lastError = what;
                    repeats = 0;
                } else if (++repeats % 60 == 0) {
                    LOG.error("push loop error, {} times since: {}", repeats, what);
                }
                try {
                    sleep(Duration.ofSeconds(1));
                } catch (InterruptedException ie) {
                    Thread.currentThread().interrupt();
                    return;
                }
            }
        }
    }

    /** Sends a window of batches; returns false if pushing must stop for good. */
    boolean sendAll(List<DiskQueue.Record> records) throws InterruptedException, IOException {
        List<OtlpPusher.Batch> batches = new ArrayList<>(records.size());
        long[] keyNumbers = new long[records.size()];
        for (int i = 0; i < records.size(); i++) {
            DiskQueue.Record r = records.get(i);
            keyNumbers[i] = keys.number(r.seq());
            batches.add(new OtlpPusher.Batch(r.payload(), keys.agentId() + ":" + keyNumbers[i]));
        }
        long t0 = System.nanoTime();
        lastAttempt = clock.instant();
        List<OtlpPusher.Outcome> outcomes = pusher.push(batches);
        Duration each = Duration.ofNanos((System.nanoTime() - t0) / records.size());
        long ack = -1;
        Duration wait = null;
        boolean uncertain = false;
        for (int i = 0; i < records.size(); i++) {
            OtlpPusher.Outcome o = outcomes.get(i);
            DiskQueue.Record r = records.get(i);
            String key = keys.agentId() + ":" + keyNumbers[i];
            lastResult = o.result() + " (" + o.reason() + ")";
            if (o.date() != null) {
                lastDate = o.date();
                skew.observe(o.date());
            }
            if (o.result() == PushResult.ACCEPTED) {
                rebase.answered(keyNumbers[i], o.batch(), o.watermark());
                latency.record(each.toNanos() / 1e9);
                ack = r.seq();
                sent++;
                lastSuccess = clock.instant();
                continue;
            }
            if (o.result() == PushResult.REJECTED) {
                ack = r.seq();
                rejectedCount++;
                LOG.error("gateway rejected batch {} ({}); dropped it", key, o.reason());
            } else if (o.result() == PushResult.DENIED) {
                deniedReason = o.reason();
                LOG.error("gateway refused this agent's identity ({}); stopped pushing, {} batches kept on disk",
                        deniedReason, queue.stats().records());
            } else {
                retries++;
                wait = backoff.nextDelay(o.retryAfter(), o.status() == 0);
                if (!failing || backoff.failures() % 10 == 0) {
                    LOG.warn("push of {} failed ({}); retrying in {} ms (attempt {}), {} batches queued", key,
                            o.reason(), wait.toMillis(), backoff.failures(), queue.stats().records());
                }
                failing = true;
                uncertain = o.status() == 0; // no answer: the gateway may have stored it; its retry keeps its key
            }
            // The gateway answers nothing after a failed request on a connection: resend the rest later.
            break;
        }
        if (ack >= 0) {
            queue.ack(ack);
        }
        rebase.windowEnded(ack, keyNumbers[keyNumbers.length - 1], uncertain, queue.stats().nextSeq());
        if (wait == null && deniedReason == null) {
            backoff.reset();
            if (failing) {
                LOG.info("pushing works again; {} batches queued", queue.stats().records());
                failing = false;
            }
        }
        onChange.accept(this);
        if (deniedReason != null) {
            return false;
        }
        if (wait != null) {
            if (uncertain) {
                // No answer: the connection may be broken. One that answered "later" is kept (the gateway keeps it
                // open for that), so a fleet refused at once does not come back as a storm of TLS handshakes.
                pusher.disconnect();
            }
            sleep(wait);
        }
        return running;
    }

    /** Tells the loop that a batch was queued. */
    public synchronized void wake() {
        work = true;
        notifyAll();
    }

    private synchronized void awaitWork(long millis) throws InterruptedException {
        if (!work && running) {
            wait(millis);
        }
        work = false;
    }

    /** Cuts a backoff wait short: something changed that may make the next attempt succeed (a new certificate). */
    public synchronized void retryNow() {
        retryNow = true;
        notifyAll();
    }

    private synchronized void sleep(Duration d) throws InterruptedException {
        long end = System.nanoTime() + d.toNanos();
        retryNow = false;
        while (running && !retryNow) {
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

    /** The gateway's {@code Date} header of the latest response (for clock-skew checks). */
    public String lastDate() {
        return lastDate;
    }

    /** Why the gateway refused this agent, or null. */
    public String deniedReason() {
        return deniedReason;
    }

    /** This host's clock minus the gateway's at its latest answer; null before the first. */
    public Duration clockSkew() {
        return skew.last();
    }

    public long sent() {
        return sent;
    }

    public long rejected() {
        return rejectedCount;
    }

    /** Failed push attempts that were (or will be) retried. */
    public long retries() {
        return retries;
    }
}
