package dev.outpost.agent;

import dev.outpost.agent.collect.HostCollection;
import dev.outpost.agent.collect.OshiHostProbe;
import dev.outpost.agent.config.AgentConfig;
import dev.outpost.agent.enroll.EstRenewal;
import dev.outpost.agent.enroll.Renewer;
import dev.outpost.agent.metrics.Metrics;
import dev.outpost.agent.otlp.OtlpEncoder;
import dev.outpost.agent.queue.DiskQueue;
import dev.outpost.agent.queue.QueueStats;
import dev.outpost.agent.status.AgentStatus;
import dev.outpost.agent.status.StatusFile;
import dev.outpost.agent.status.Timestamps;
import dev.outpost.agent.tls.Credentials;
import dev.outpost.agent.tls.Identity;
import dev.outpost.agent.transport.Backoff;
import dev.outpost.agent.transport.BatchKeys;
import dev.outpost.agent.transport.HttpsClient;
import dev.outpost.agent.transport.OtlpPusher;
import dev.outpost.agent.transport.PushLoop;
import dev.outpost.wire.Durations;
import java.io.IOException;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.SplittableRandom;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The agent's composition root: builds collection, encoding, the disk queue and the transport from one config
 * and runs them. Data flows one way, out; nothing here binds or accepts a socket.
 */
public final class AgentRuntime implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger("outpost.agent");
    /** How long {@link #close()} keeps trying to send what is queued. */
    public static final Duration DRAIN_ON_STOP = Duration.ofSeconds(5);
    private final Identity identity;
    private final String version;
    private final Clock clock;
    private final ScheduledExecutorService scheduler;
    private final ScheduledExecutorService renewals;
    private final Renewer renewer;
    private final DiskQueue queue;
    private final HttpsClient http;
    private final BatchKeys keys;
    private final PushLoop pushLoop;
    private final Thread pushThread;
    /** Run when the push loop ends: at a stop, or by itself when the gateway refuses this agent. */
    private volatile Runnable onEnd;
    private final StatusFile statusFile;
    private final HostCollection collection;
    private final BatchProducer producer;
    private volatile AgentConfig config;
    private ScheduledFuture<?> cycles;
    /** Whether the last write of the status file failed (said once, not at every change). */
    private boolean statusUnwritten;

    public AgentRuntime(AgentConfig config, Identity identity, String version, Clock clock) throws IOException {
        this.config = config;
        this.identity = identity;
        this.version = version;
        this.clock = clock;
        this.statusFile = new StatusFile(config.stateDir());
        Path queueDir = config.stateDir().resolve("queue");
        this.queue = DiskQueue.open(queueDir, config.queue().maxBytes(),
                config.queue().minFreeBytes(), clock);
        this.http = new HttpsClient(config.ingestUrls(), identity::context, config.push().timeout(), identity);
        Metrics metrics = new Metrics();
        this.keys = BatchKeys.load(identity.current().agentId(), queueDir);
        this.pushLoop = new PushLoop(queue, new OtlpPusher(http), backoff(config, clock), keys,
                config.push().maxInFlight(), clock, metrics, p -> writeStatus());
        this.renewer = new Renewer(identity, new EstRenewal(config.servers(), identity, config.push().timeout(),
                new SecureRandom()), backoff(config, clock), new SplittableRandom(), clock);
        // A new certificate: close the idle connection made with the old one, and retry now if pushing failed.
        identity.onChange(() -> {
            http.disconnect();
            pushLoop.retryNow();
        });
        this.collection = new HostCollection(OshiHostProbe.create(), metrics,
                config.collect().filesystems().toFilter(), clock);
        this.producer = new BatchProducer(collection, new SelfMetrics(metrics, queue, identity, pushLoop, renewer, clock),
                metrics, new OtlpEncoder(version), resource(config), queue, pushLoop::wake, clock);
        this.scheduler = Executors.newSingleThreadScheduledExecutor(daemon("outpost-collect"));
        ScheduledThreadPoolExecutor renewThread = new ScheduledThreadPoolExecutor(1,
                daemon("outpost-renew"));
        // At stop, a renewal in progress completes (its key and certificate are written whole); none starts.
        renewThread.setExecuteExistingDelayedTasksAfterShutdownPolicy(false);
        this.renewals = renewThread;
        this.pushThread = new Thread(() -> {
            try {
                pushLoop.run();
            } finally {
                onEnd.run();
            }
        }, "outpost-push");
    }

    /** Daemon threads named {@code name} (one per executor here). */
    private static java.util.concurrent.ThreadFactory daemon(String name) {
        return r -> {
            Thread t = new Thread(r, name);
            t.setDaemon(true);
            return t;
        };
    }

    /**
     * Push and renewal back off alike (push.backoff_initial, backoff_max, retry_after_max, reconnect_spread), each on
     * its own.
     */
    private static Backoff backoff(AgentConfig config, Clock clock) {
        return new Backoff(config.push().backoffInitial(), config.push().backoffMax(), config.push().retryAfterMax(),
                config.push().reconnectSpread(), new SplittableRandom(), clock);
    }

    /** Runs the renewer and schedules its next run; after a refusal for good it stops, and so does the agent. */
    private void renew() {
        Duration next;
        try {
            next = renewer.tick();
        } catch (RuntimeException e) {
            LOG.error("certificate renewal check failed; checking again in {}", Renewer.MAX_SLEEP, e);
            next = Renewer.MAX_SLEEP;
        }
        writeStatus();
        if (next == null) {
            pushLoop.stop();
        } else if (!renewals.isShutdown()) {
            renewals.schedule(this::renew, next.toMillis(), TimeUnit.MILLISECONDS);
        }
    }

    private Map<String, String> resource(AgentConfig c) {
        return ResourceAttributes.of(Path.of("/proc"), Path.of("/etc"), version, c.labels());
    }

    /**
     * Starts collecting and pushing; {@code onEnd} runs when pushing ends, by a stop or by itself when the gateway
     * refuses this agent. The first cycle runs at once, so a started host shows up within a second or two; the
     * following ones at a random phase of the interval (see {@link #secondCycleDelay}), so a fleet started or
     * restarted together does not collect and push in step.
     */
    public void start(Runnable onEnd) {
        this.onEnd = onEnd;
        long interval = config.interval().toMillis();
        scheduler.execute(producer);
        schedule(interval, secondCycleDelay(interval, ThreadLocalRandom.current().nextLong(Math.max(1, interval))));
        pushThread.start();
        QueueStats q = queue.stats();
        Credentials c = identity.current();
        LOG.info("agent {} (org {}) started: every {} to {}; certificate valid until {}; {} batches queued on disk",
                c.agentId(), c.org(), Durations.format(config.interval()), config.ingestUrl(), str(c.notAfter()), q.records());
        if (!c.notAfter().isAfter(clock.instant())) {
            LOG.warn("the certificate expired at {}; renewing it with the gateway (it accepts that within its renewal "
                    + "grace); collected batches are queued meanwhile", str(c.notAfter()));
        }
        renewals.execute(this::renew);
        if (q.corruptSkipped() > 0 || q.tornTailBytesCut() > 0) {
            LOG.warn("disk queue recovered: {} corrupt records skipped, {} bytes of a torn tail cut",
                    q.corruptSkipped(), q.tornTailBytesCut());
        }
        writeStatus();
    }

    /**
     * When the second cycle runs after the first, immediate one: half an interval plus {@code randomMillis} (uniform
     * in [0, interval)), so cycles are never closer than half an interval and a fleet's phases are spread uniformly.
     */
    static long secondCycleDelay(long intervalMillis, long randomMillis) {
        return intervalMillis / 2 + Math.floorMod(randomMillis, Math.max(1, intervalMillis));
    }

    private synchronized void schedule(long intervalMillis, long initialDelayMillis) {
        if (cycles != null) {
            cycles.cancel(false);
        }
        cycles = scheduler.scheduleAtFixedRate(producer, initialDelayMillis, intervalMillis, TimeUnit.MILLISECONDS);
    }

    /**
     * Applies a reloaded configuration (SIGHUP): interval, labels, filesystem filters and queue limits take effect
     * at once; the queue is kept. Settings that need new connections or files are named and wait for a restart.
     */
    public synchronized void reload(AgentConfig next) {
        List<String> needRestart = new ArrayList<>();
        if (!next.servers().equals(config.servers()) || !next.ingestUrl().equals(config.ingestUrl())) {
            needRestart.add("server/ingest_url/fallback_servers");
        }
        if (!next.stateDir().equals(config.stateDir())) {
            needRestart.add("state_dir");
        }
        if (!next.push().equals(config.push())) {
            needRestart.add("push");
        }
        collection.setFilesystemFilter(next.collect().filesystems().toFilter());
        producer.resource(resource(next));
        queue.limits(next.queue().maxBytes(), next.queue().minFreeBytes());
        if (!next.interval().equals(config.interval())) {
            schedule(next.interval().toMillis(), next.interval().toMillis());
        }
        config = next;
        LOG.info("configuration reloaded: every {}, {} labels, queue bound {} bytes{}",
                Durations.format(next.interval()), next.labels().size(), next.queue().maxBytes(),
                needRestart.isEmpty() ? "" : "; changes to " + String.join(", ", needRestart)
                        + " take effect at the next restart");
    }

    /** Why the gateway refused this agent (its pushes or its renewal), once it has; null while it has not. */
    public String deniedReason() {
        String denied = pushLoop.deniedReason();
        return denied != null ? denied : renewer.refusal();
    }



    private synchronized void writeStatus() {
        Instant now = clock.instant();
        QueueStats q = queue.stats();
        String denied = deniedReason();
        Credentials c = identity.current(); // its id and org are read once per certificate (Credentials.names)
        Instant renewal = renewer.refusal() == null ? renewer.nextAttempt() : null;
        AgentStatus s = new AgentStatus(c.agentId(), c.org(), config.server().toString(),
                config.ingestUrl().toString(), Timestamps.iso(c.notAfter()),
                denied != null ? "refused" : "running", denied, ProcessHandle.current().pid(), Timestamps.iso(now),
                str(pushLoop.lastAttempt()), pushLoop.lastResult(), str(pushLoop.lastSuccess()), pushLoop.sent(),
                pushLoop.retries(), q.records(), q.bytes(), q.oldestAge(now).toSeconds(), q.droppedFull(),
                q.droppedDiskFull(), q.corruptSkipped(), pushLoop.rejected(), q.nextSeq(), str(renewal), renewer.failures(),
                q.heldRecords(), queue.diskProblem(), keys.offset());
        try {
            statusFile.write(s);
            if (statusUnwritten) {
                LOG.info("{} is written again", statusFile.path());
                statusUnwritten = false;
            }
        } catch (IOException e) {
            if (!statusUnwritten) {
                LOG.warn("cannot write {} ({}); `outpost-agent status` shows older figures until it can be written",
                        statusFile.path(), e.getMessage());
                statusUnwritten = true;
            }
        }
    }

    /**
     * Instant.toString()'s text (null for null), written without the JDK's formatter (see {@link Timestamps}), also for
     * the times in log lines: Instant.toString() would load java.time.format's ~60 classes for the daemon's life.
     */
    private static String str(Instant i) {
        return Timestamps.iso(i);
    }

    /**
     * Stops collecting after the cycle in progress (its batch is on disk), tries for {@link #DRAIN_ON_STOP} to
     * send what is queued, then closes the queue and the connection. What is unsent stays on disk.
     */
    @Override
    public void close() {
        renewals.shutdown();
        scheduler.shutdown();
        try {
            renewals.awaitTermination(30, TimeUnit.SECONDS);
            scheduler.awaitTermination(30, TimeUnit.SECONDS);
            pushLoop.wake();
            long deadline = System.nanoTime() + DRAIN_ON_STOP.toNanos();
            while (queue.stats().records() > 0 && pushThread.isAlive() && System.nanoTime() < deadline) {
                Thread.sleep(50);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        pushLoop.stop();
        try {
            pushThread.join(TimeUnit.SECONDS.toMillis(15));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        long left = queue.stats().records();
        if (left > 0) {
            LOG.warn("stopping with {} batches unsent; they stay queued on disk for the next start", left);
        }
        writeStatus();
        try {
            queue.close();
        } catch (IOException e) {
            LOG.warn("closing the disk queue failed: {}", e.getMessage());
        }
        http.close();
        LOG.info("agent stopped; {} batches sent", pushLoop.sent());
    }

    AgentConfig config() {
        return Objects.requireNonNull(config);
    }
}
