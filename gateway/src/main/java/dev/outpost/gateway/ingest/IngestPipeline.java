package dev.outpost.gateway.ingest;

import dev.outpost.gateway.sink.Delivery;
import dev.outpost.gateway.sink.MetricSink;
import dev.outpost.gateway.sink.SinkUnavailableException;
import dev.outpost.gateway.store.Watermarks;
import dev.outpost.gateway.store.Watermarks.Mark;
import dev.outpost.gateway.store.Watermarks.Pending;
import java.io.IOException;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Stores every agent's batches exactly once, many at a time (group commit). Connections submit stamped batches;
 * one committer thread takes everything queued (bounded per group), drops what the agents' watermarks show was
 * stored already, hands the rest to the sink in one delivery (one fsync, or one request per store tenant), and
 * only then raises the watermarks and answers: 200 once the sink has the batch, 503 with {@code Retry-After} if
 * it could not take it (the agents keep it and retry). One group at a time, in arrival order, so that one agent's
 * batches reach the store in the order it sent them.
 *
 * <p>While the sink is failing, a breaker answers 503 at once, without queueing, until the retry time (the store's
 * {@code Retry-After}, else a capped exponential backoff); the first group after it is the probe. The queue is
 * bounded in batches and in decoded bytes; a full queue answers 503 too.
 */
public final class IngestPipeline implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger("outpost.gateway.ingest");
    /** A data point time further than this ahead of the gateway's clock counts as this far for dedupe. */
    static final Duration MAX_FUTURE = Duration.ofMinutes(10);
    static final Duration BACKOFF_INITIAL = Duration.ofSeconds(1);
    static final Duration BACKOFF_MAX = Duration.ofSeconds(30);
    static final Duration RETRY_AFTER_MAX = Duration.ofMinutes(5);
    static final Duration MAINTAIN_EVERY = Duration.ofSeconds(5);

    /** What became of a batch. */
    public enum Status { STORED, DUPLICATE, UNAVAILABLE }

    /**
     * The answer for one batch: its status; the agent's watermark right after it (for keyed batches, else -1);
     * data points the store refused for good and why; for UNAVAILABLE the seconds to wait and why.
     */
    public record Result(Status status, long watermark, int refusedPoints, String refusal, long retryAfterSeconds,
            String message) {
        static Result unavailable(long retryAfterSeconds, String message) {
            return new Result(Status.UNAVAILABLE, -1, 0, null, Math.max(1, retryAfterSeconds), message);
        }
    }

    /** Receives the result on the committer thread; must not block. */
    @FunctionalInterface
    public interface Callback {
        void done(Result result);
    }

    /** Bounds of the queue and of one group. */
    public record Limits(int maxQueuedBatches, long maxQueuedBytes, int maxGroupBatches, int maxGroupPoints) {
        public Limits {
            if (maxQueuedBatches < 1 || maxQueuedBytes < 1 || maxGroupBatches < 1 || maxGroupPoints < 1) {
                throw new IllegalArgumentException("pipeline limits must be positive: " + maxQueuedBatches + ", "
                        + maxQueuedBytes + ", " + maxGroupBatches + ", " + maxGroupPoints);
            }
        }
    }

    private record Item(StampedBatch batch, Callback callback) {
    }

    private enum Fate { DELIVER, DUPLICATE, DUPLICATE_OF_GROUP }

    private final MetricSink sink;
    private final Watermarks watermarks;
    private final Clock clock;
    private final Limits limits;
    private final IngestStats stats;
    private final java.util.random.RandomGenerator random;
    private final LogLimiter logLimiter;
    private final ReentrantLock lock = new ReentrantLock();
    private final Condition notEmpty = lock.newCondition();
    private final ArrayDeque<Item> queue = new ArrayDeque<>();
    private long queuedBytes;
    private boolean closed;
    /** Until then new batches are answered 503 at once; 0 when the sink works. */
    private volatile long retryAtMillis;
    private int failures;
    private String lastFailure = "";
    /** Writes of a failed delivery not undone yet: nothing is written until they are. */
    private final List<Pending> unresolved = new ArrayList<>();
    private final Thread committer;
    private long nextMaintenance;
    private volatile java.util.function.Consumer<List<StampedBatch>> onStored = stored -> { };

    public IngestPipeline(MetricSink sink, Watermarks watermarks, Clock clock, Limits limits, IngestStats stats,
            java.util.random.RandomGenerator random) {
        this.sink = Objects.requireNonNull(sink, "sink");
        this.watermarks = Objects.requireNonNull(watermarks, "watermarks");
        this.clock = Objects.requireNonNull(clock, "clock");
        this.limits = Objects.requireNonNull(limits, "limits");
        this.stats = Objects.requireNonNull(stats, "stats");
        this.random = Objects.requireNonNull(random, "random");
        this.logLimiter = new LogLimiter(clock, Duration.ofMinutes(1), 10_000);
        this.committer = new Thread(this::run, "gw-commit");
        this.committer.setDaemon(true);
    }

    /** Undoes every write a crash left PENDING, then starts the committer. Run once, before ingest serves. */
    public int start() throws IOException {
        List<Pending> left = watermarks.pending();
        for (Pending p : left) {
            long removed = sink.undo(p.start());
            LOG.warn("ingest: removed {} bytes that a stop cut short in {} at offset {}; their agents send them again",
                    removed, p.start().location(), p.start().offset());
        }
        watermarks.abandon(left);
        committer.start();
        return left.size();
    }

    /**
     * Queues {@code batch}; {@code callback} gets its result later on the committer thread, or at once (503) if the
     * sink is failing or the queue is full.
     */
    public void submit(StampedBatch batch, Callback callback) {
        long waitMillis = retryAtMillis - clock.millis();
        if (waitMillis > 0) {
            stats.unavailable.increment();
            callback.done(Result.unavailable(jitter(waitMillis), "the metric store is unavailable (" + lastFailure
                    + "); retry later"));
            return;
        }
        if (!admit(batch, callback)) {
            return;
        }
        sink.prepare(batch);
        lock.lock();
        try {
            if (!admitLocked(batch, callback)) {
                return;
            }
            queue.add(new Item(batch, callback));
            queuedBytes += batch.decodedBytes();
            stats.batchesIn.increment();
            stats.pointsIn.add(batch.points());
            notEmpty.signal();
        } finally {
            lock.unlock();
        }
    }

    /** Whether the queue has room for {@code batch} now; if not, it is answered (the sink would not prepare it). */
    private boolean admit(StampedBatch batch, Callback callback) {
        lock.lock();
        try {
            return admitLocked(batch, callback);
        } finally {
            lock.unlock();
        }
    }

    private boolean admitLocked(StampedBatch batch, Callback callback) {
        if (closed) {
            callback.done(Result.unavailable(5, "the gateway is stopping; retry later"));
            return false;
        }
        if (queue.size() >= limits.maxQueuedBatches()
                || queuedBytes + batch.decodedBytes() > limits.maxQueuedBytes() && !queue.isEmpty()) {
            stats.overloaded.increment();
            callback.done(Result.unavailable(jitter(1000), "the gateway is busy; retry later"));
            return false;
        }
        return true;
    }

    /** Has {@code listener} told (on the committer thread, after their answers) of every group stored. */
    public void onStored(java.util.function.Consumer<List<StampedBatch>> listener) {
        this.onStored = Objects.requireNonNull(listener, "listener");
    }

    /** Batches waiting for the committer. */
    public int queued() {
        lock.lock();
        try {
            return queue.size();
        } finally {
            lock.unlock();
        }
    }

    /** The sink this pipeline delivers to. */
    public MetricSink sink() {
        return sink;
    }

    private void run() {
        while (true) {
            List<Item> group;
            try {
                group = take();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            }
            if (group == null) {
                return;
            }
            if (!group.isEmpty()) {
                try {
                    commit(group);
                } catch (RuntimeException | Error e) {
                    LOG.error("ingest: committing a group of {} batches failed", group.size(), e);
                    fail(group, 5, "internal error");
                }
            }
            maintainIfDue();
        }
    }

    /** The next group, waiting for the first batch (up to the maintenance interval); null once closed and empty. */
    private List<Item> take() throws InterruptedException {
        lock.lock();
        try {
            while (queue.isEmpty()) {
                if (closed) {
                    return null;
                }
                if (!notEmpty.await(MAINTAIN_EVERY.toMillis(), TimeUnit.MILLISECONDS)) {
                    return List.of();
                }
            }
            List<Item> group = new ArrayList<>(Math.min(queue.size(), limits.maxGroupBatches()));
            long points = 0;
            while (!queue.isEmpty() && group.size() < limits.maxGroupBatches()
                    && (group.isEmpty() || points + queue.peek().batch().points() <= limits.maxGroupPoints())) {
                Item item = queue.poll();
                queuedBytes -= item.batch().decodedBytes();
                points += item.batch().points();
                group.add(item);
            }
            return group;
        } finally {
            lock.unlock();
        }
    }

    private void commit(List<Item> group) {
        long started = System.nanoTime();
        long now = clock.millis();
        if (retryAtMillis - now > 0) {
            // Queued before the breaker opened: the store still cannot take them.
            fail(group, jitter(retryAtMillis - now), "the metric store is unavailable (" + lastFailure + ")");
            return;
        }
        Map<String, Mark> marks;
        try {
            resolve();
            Set<String> agents = new HashSet<>();
            for (Item item : group) {
                if (item.batch().key() != null) {
                    agents.add(item.batch().key().agentId());
                }
            }
            marks = watermarks.of(agents);
        } catch (IOException e) {
            failure(group, "state", e.getMessage(), null, started);
            return;
        }
        long maxNewest = (now + MAX_FUTURE.toMillis()) * 1_000_000L;
        Fate[] fates = new Fate[group.size()];
        long[] markAfter = new long[group.size()];
        Map<String, Mark> raised = new HashMap<>();
        List<StampedBatch> deliver = new ArrayList<>(group.size());
        for (int i = 0; i < group.size(); i++) {
            StampedBatch b = group.get(i).batch();
            BatchKey key = b.key();
            if (key == null) {
                fates[i] = Fate.DELIVER;
                markAfter[i] = -1;
                deliver.add(b);
                continue;
            }
            long newest = Math.min(b.newestNanos(), maxNewest);
            Mark mark = marks.get(key.agentId());
            if (mark != null && mark.covers(key.seq(), newest)) {
                fates[i] = raised.containsKey(key.agentId()) ? Fate.DUPLICATE_OF_GROUP : Fate.DUPLICATE;
                markAfter[i] = mark.seq();
                continue;
            }
            if (mark != null && key.seq() <= mark.seq() && logLimiter.allow("reuse " + key.agentId()) >= 0) {
                LOG.warn("ingest: agent {} sent batch {} at or below its watermark {} but with newer data: its state "
                        + "was restored from a snapshot or its queue recreated; stored, and the agent is told the "
                        + "watermark", key.agentId(), key.seq(), mark.seq());
            }
            Mark next = mark == null ? new Mark(key.seq(), newest) : mark.advance(key.seq(), newest);
            marks.put(key.agentId(), next);
            raised.put(key.agentId(), next);
            fates[i] = Fate.DELIVER;
            markAfter[i] = next.seq();
            deliver.add(b);
        }
        Delivery delivery;
        List<Pending> pending = new ArrayList<>();
        try {
            delivery = deliver.isEmpty() ? Delivery.allStored(0)
                    : sink.deliver(deliver, starts -> pending.addAll(watermarks.begin(starts)));
            watermarks.commit(pending, raised);
        } catch (SinkUnavailableException e) {
            undoOrKeep(pending);
            watermarks.release();
            failure(group, fates, e.reason(), e.getMessage(), e.retryAfter(), started);
            return;
        } catch (IOException e) {
            undoOrKeep(pending);
            watermarks.release();
            failure(group, fates, "state", e.getMessage(), null, started);
            return;
        }
        stats.delivery(System.nanoTime() - started);
        if (failures > 0) {
            LOG.info("ingest: the {} sink works again after {} failed deliveries", sink.name(), failures);
        }
        failures = 0;
        retryAtMillis = 0;
        answer(group, fates, markAfter, delivery);
        try {
            onStored.accept(deliver);
        } catch (RuntimeException e) {
            LOG.warn("ingest: a listener of stored batches failed: {}", e.toString());
        }
    }

    private void answer(List<Item> group, Fate[] fates, long[] markAfter, Delivery delivery) {
        int d = 0;
        for (int i = 0; i < group.size(); i++) {
            StampedBatch b = group.get(i).batch();
            Result r;
            if (fates[i] == Fate.DELIVER) {
                int refused = delivery.refusedPoints(d);
                String reason = delivery.reason(d);
                d++;
                stats.batchesStored.increment();
                stats.pointsStored.add(b.points() - refused);
                if (refused > 0) {
                    stats.refusedPoints(reason, refused);
                    long suppressed = logLimiter.allow("refused " + reason);
                    if (suppressed >= 0) {
                        LOG.warn("ingest: the {} sink refused {} data points of batch {} from {} for good ({}); the "
                                + "rest of it is stored{}", sink.name(), refused, b.batchId(), b.identity().agentId(),
                                reason, suppressed > 0 ? "; " + suppressed + " more such refusals in the last minute"
                                        : "");
                    }
                }
                r = new Result(Status.STORED, markAfter[i], refused, reason, 0, null);
            } else {
                stats.duplicates.increment();
                r = new Result(Status.DUPLICATE, markAfter[i], 0, null, 0, null);
            }
            group.get(i).callback().done(r);
        }
    }

    private void failure(List<Item> group, String reason, String message, Duration retryAfter, long started) {
        Fate[] fates = new Fate[group.size()];
        java.util.Arrays.fill(fates, Fate.DELIVER);
        failure(group, fates, reason, message, retryAfter, started);
    }

    /** The group could not be stored: the breaker opens, and everything but known duplicates is answered 503. */
    private void failure(List<Item> group, Fate[] fates, String reason, String message, Duration retryAfter,
            long started) {
        stats.delivery(System.nanoTime() - started);
        stats.sinkFailure(reason);
        failures++;
        Duration wait = retryAfter != null
                ? (retryAfter.compareTo(RETRY_AFTER_MAX) > 0 ? RETRY_AFTER_MAX : retryAfter)
                : backoff(failures);
        retryAtMillis = clock.millis() + Math.max(1, wait.toMillis());
        lastFailure = reason;
        long suppressed = logLimiter.allow("failure " + reason);
        if (failures == 1 || suppressed >= 0) {
            LOG.warn("ingest: the {} sink could not store {} batches ({}: {}); agents keep them and retry, answered 503 "
                    + "for {} ms (failure {} in a row)", sink.name(), group.size(), reason, message, wait.toMillis(),
                    failures);
        }
        long waitMillis = retryAtMillis - clock.millis();
        for (int i = 0; i < group.size(); i++) {
            if (fates[i] == Fate.DUPLICATE) {
                stats.duplicates.increment();
                group.get(i).callback().done(new Result(Status.DUPLICATE, -1, 0, null, 0, null));
            } else {
                stats.unavailable.increment();
                group.get(i).callback().done(Result.unavailable(jitter(waitMillis),
                        "the metric store is unavailable (" + reason + "); retry later"));
            }
        }
    }

    private void fail(List<Item> group, long retryAfterSeconds, String message) {
        for (Item item : group) {
            stats.unavailable.increment();
            item.callback().done(Result.unavailable(retryAfterSeconds, message + "; retry later"));
        }
    }

    static Duration backoff(int failures) {
        long millis = BACKOFF_INITIAL.toMillis() << Math.min(failures - 1, 16);
        return Duration.ofMillis(Math.min(millis, BACKOFF_MAX.toMillis()));
    }

    /** Seconds to tell agents: the wait plus up to half again, so that a fleet does not come back in one second. */
    private long jitter(long waitMillis) {
        long spread = waitMillis / 2;
        long total = waitMillis + (spread > 0 ? random.nextLong(spread + 1) : 0);
        return Math.max(1, (total + 999) / 1000);
    }

    private void undoOrKeep(List<Pending> pending) {
        unresolved.addAll(pending);
        try {
            resolve();
        } catch (IOException e) {
            LOG.warn("ingest: cannot undo a failed write yet; nothing is stored until it is: {}", e.getMessage());
        }
    }

    /** Undoes the writes of failed deliveries; throws (and nothing may be written) while that fails. */
    private void resolve() throws IOException {
        if (unresolved.isEmpty()) {
            return;
        }
        for (Pending p : unresolved) {
            long removed = sink.undo(p.start());
            if (removed > 0) {
                LOG.info("ingest: removed {} bytes of a failed write from {}", removed, p.start().location());
            }
        }
        watermarks.abandon(unresolved);
        unresolved.clear();
    }

    private void maintainIfDue() {
        long now = System.nanoTime();
        if (now - nextMaintenance >= 0) {
            nextMaintenance = now + MAINTAIN_EVERY.toNanos();
            sink.maintain();
        }
    }

    /** Stops taking batches, stores what is queued (bounded by {@code timeout}) and stops the committer. */
    @Override
    public void close() {
        lock.lock();
        try {
            closed = true;
            notEmpty.signalAll();
        } finally {
            lock.unlock();
        }
        try {
            committer.join(10_000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
