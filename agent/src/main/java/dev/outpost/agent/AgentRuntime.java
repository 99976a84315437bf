package dev.outpost.agent;

import dev.outpost.agent.collect.HostCollection;
import dev.outpost.agent.collect.OshiHostProbe;
import dev.outpost.agent.config.AgentConfig;
import dev.outpost.agent.otlp.OtlpEncoder;
import dev.outpost.agent.queue.DiskQueue;
import dev.outpost.agent.queue.QueueStats;
import dev.outpost.agent.status.AgentStatus;
import dev.outpost.agent.status.StatusFile;
import dev.outpost.agent.tls.Credentials;
import dev.outpost.agent.tls.TlsSettings;
import dev.outpost.agent.transport.Backoff;
import dev.outpost.agent.transport.HttpsClient;
import dev.outpost.agent.transport.OtlpPusher;
import dev.outpost.agent.transport.PushLoop;
import dev.outpost.wire.Durations;
import io.micrometer.core.instrument.MeterRegistry;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.nio.NioIoHandler;
import io.netty.handler.ssl.SslContext;
import io.netty.util.concurrent.DefaultThreadFactory;
import java.io.IOException;
import java.nio.file.Path;
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
    private final Credentials credentials;
    private final String version;
    private final Clock clock;
    private final EventLoopGroup io;
    private final ScheduledExecutorService scheduler;
    private final DiskQueue queue;
    private final HttpsClient http;
    private final PushLoop pushLoop;
    private final Thread pushThread;
    private final StatusFile statusFile;
    private final HostCollection collection;
    private final BatchProducer producer;
    private volatile AgentConfig config;
    private ScheduledFuture<?> cycles;

    public AgentRuntime(AgentConfig config, Credentials credentials, MeterRegistry registry, String version,
            Clock clock) throws IOException {
        this.config = config;
        this.credentials = credentials;
        this.version = version;
        this.clock = clock;
        this.statusFile = new StatusFile(config.stateDir());
        this.queue = DiskQueue.open(config.stateDir().resolve("queue"), config.queue().maxBytes(),
                config.queue().minFreeBytes(), clock);
        this.io = new MultiThreadIoEventLoopGroup(1, new DefaultThreadFactory("outpost-io", true),
                NioIoHandler.newFactory());
        SslContext tls = TlsSettings.client(credentials.key(), List.of(credentials.certificate()),
                credentials.trustBundle());
        this.http = new HttpsClient(config.ingestUrl(), () -> tls, io, config.push().timeout());
        Backoff backoff = new Backoff(config.push().backoffInitial(), config.push().backoffMax(),
                config.push().retryAfterMax(), new SplittableRandom(), clock);
        this.pushLoop = new PushLoop(queue, new OtlpPusher(http), backoff, credentials.agentId(),
                config.push().maxInFlight(), clock, registry, p -> writeStatus());
        SelfMetrics.register(registry, queue, credentials, clock);
        this.collection = new HostCollection(OshiHostProbe.create(), registry,
                config.collect().filesystems().toFilter(), clock);
        this.producer = new BatchProducer(collection, registry, new OtlpEncoder(version), resource(config), queue,
                pushLoop::wake, clock);
        this.scheduler = Executors.newSingleThreadScheduledExecutor(new DefaultThreadFactory("outpost-collect", true));
        this.pushThread = new Thread(pushLoop, "outpost-push");
    }

    private Map<String, String> resource(AgentConfig c) {
        return ResourceAttributes.of(Path.of("/proc"), Path.of("/etc"), version, c.labels());
    }

    /** Starts collecting (first cycle after a random fraction of the interval) and pushing. */
    public void start() {
        long interval = config.interval().toMillis();
        schedule(interval, ThreadLocalRandom.current().nextLong(Math.max(1, interval)));
        pushThread.start();
        QueueStats q = queue.stats();
        LOG.info("agent {} (org {}) started: every {} to {}; certificate valid until {}; {} batches queued on disk",
                credentials.agentId(), credentials.org(), Durations.format(config.interval()), config.ingestUrl(),
                credentials.notAfter(), q.records());
        if (q.corruptSkipped() > 0 || q.tornTailBytesCut() > 0) {
            LOG.warn("disk queue recovered: {} corrupt records skipped, {} bytes of a torn tail cut",
                    q.corruptSkipped(), q.tornTailBytesCut());
        }
        writeStatus();
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
        if (!next.server().equals(config.server()) || !next.ingestUrl().equals(config.ingestUrl())) {
            needRestart.add("server/ingest_url");
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

    /** Why the gateway refused this agent, once it has; null while it has not. */
    public String deniedReason() {
        return pushLoop.deniedReason();
    }

    /** Whether the push loop still runs; it ends by itself only when the gateway refuses this agent. */
    public boolean pushing() {
        return pushThread.isAlive();
    }

    private synchronized void writeStatus() {
        Instant now = clock.instant();
        QueueStats q = queue.stats();
        String denied = pushLoop.deniedReason();
        AgentStatus s = new AgentStatus(credentials.agentId(), credentials.org(), config.server().toString(),
                config.ingestUrl().toString(), credentials.notAfter().toString(),
                denied != null ? "refused" : "running", denied, ProcessHandle.current().pid(), now.toString(),
                str(pushLoop.lastAttempt()), pushLoop.lastResult(), str(pushLoop.lastSuccess()), pushLoop.sent(),
                pushLoop.retries(), q.records(), q.bytes(), q.oldestAge(now).toSeconds(), q.droppedFull(),
                q.droppedDiskFull(), q.corruptSkipped(), pushLoop.rejected(), q.nextSeq());
        try {
            statusFile.write(s);
        } catch (IOException e) {
            LOG.warn("cannot write {}: {}", statusFile.path(), e.getMessage());
        }
    }

    private static String str(Instant i) {
        return i == null ? null : i.toString();
    }

    /**
     * Stops collecting after the cycle in progress (its batch is on disk), tries for {@link #DRAIN_ON_STOP} to
     * send what is queued, then closes the queue and the connection. What is unsent stays on disk.
     */
    @Override
    public void close() {
        scheduler.shutdown();
        try {
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
        io.shutdownGracefully(0, 2, TimeUnit.SECONDS).syncUninterruptibly();
        LOG.info("agent stopped; {} batches sent", pushLoop.sent());
    }

    AgentConfig config() {
        return Objects.requireNonNull(config);
    }
}
