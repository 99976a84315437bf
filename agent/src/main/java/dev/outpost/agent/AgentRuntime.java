package dev.outpost.agent;

import dev.outpost.agent.collect.FilesystemFilter;
import dev.outpost.agent.collect.HostCollection;
import dev.outpost.agent.collect.OshiHostProbe;
import dev.outpost.agent.config.AgentConfig;
import dev.outpost.agent.otlp.OtlpEncoder;
import dev.outpost.agent.queue.BatchQueue;
import dev.outpost.agent.status.AgentStatus;
import dev.outpost.agent.status.StatusFile;
import dev.outpost.agent.tls.Credentials;
import dev.outpost.agent.tls.TlsSettings;
import dev.outpost.agent.transport.Backoff;
import dev.outpost.agent.transport.HttpsClient;
import dev.outpost.agent.transport.OtlpPusher;
import dev.outpost.agent.transport.PushLoop;
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
import java.util.List;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The agent's composition root: builds collection, encoding, queue and transport from one config and runs
 * them. Data flows one way, out; nothing here binds or accepts a socket.
 */
public final class AgentRuntime implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger("outpost.agent");
    /** How long {@link #close()} keeps trying to send what is queued. */
    public static final Duration DRAIN_ON_STOP = Duration.ofSeconds(5);
    private final AgentConfig config;
    private final Credentials credentials;
    private final Clock clock;
    private final EventLoopGroup io;
    private final ScheduledExecutorService scheduler;
    private final BatchQueue queue;
    private final HttpsClient http;
    private final PushLoop pushLoop;
    private final Thread pushThread;
    private final StatusFile statusFile;
    private final BatchProducer producer;

    public AgentRuntime(AgentConfig config, Credentials credentials, MeterRegistry registry, String version,
            Clock clock) throws IOException {
        this.config = config;
        this.credentials = credentials;
        this.clock = clock;
        this.queue = new BatchQueue(config.push().maxQueuedBatches());
        this.statusFile = new StatusFile(config.stateDir());
        this.io = new MultiThreadIoEventLoopGroup(1, new DefaultThreadFactory("outpost-io", true),
                NioIoHandler.newFactory());
        SslContext tls = TlsSettings.client(credentials.key(), List.of(credentials.certificate()),
                credentials.trustBundle());
        this.http = new HttpsClient(config.ingestUrl(), () -> tls, io, config.push().timeout());
        Backoff backoff = new Backoff(Duration.ofSeconds(1), Duration.ofMinutes(2), Duration.ofMinutes(10),
                ThreadLocalRandom.current(), clock);
        this.pushLoop = new PushLoop(queue, new OtlpPusher(http), backoff, credentials.agentId(), clock, registry,
                p -> writeStatus());
        SelfMetrics.register(registry, queue, credentials, clock);
        FilesystemFilter filter = config.collect().filesystems().toFilter();
        HostCollection collection = new HostCollection(OshiHostProbe.create(), registry, filter, clock);
        this.producer = new BatchProducer(collection, registry, new OtlpEncoder(version), ResourceAttributes.of(
                Path.of("/proc"), Path.of("/etc"), version, config.labels()), queue, clock, clock.millis());
        this.scheduler = Executors.newSingleThreadScheduledExecutor(new DefaultThreadFactory("outpost-collect", true));
        this.pushThread = new Thread(pushLoop, "outpost-push");
    }

    /** Starts collecting (first cycle after a random fraction of the interval) and pushing. */
    public void start() {
        long interval = config.interval().toMillis();
        long offset = ThreadLocalRandom.current().nextLong(Math.max(1, interval));
        scheduler.scheduleAtFixedRate(producer, offset, interval, TimeUnit.MILLISECONDS);
        pushThread.start();
        LOG.info("agent {} (org {}) started: every {} to {}; certificate valid until {}", credentials.agentId(),
                credentials.org(), dev.outpost.wire.Durations.format(config.interval()), config.ingestUrl(),
                credentials.notAfter());
        writeStatus();
    }

    /** Why the gateway refused this agent, once it has; null while it has not. */
    public String deniedReason() {
        return pushLoop.deniedReason();
    }

    /** Waits until the push loop ends (refused identity) or the thread is interrupted. */
    public void awaitPushLoop() throws InterruptedException {
        pushThread.join();
    }

    private synchronized void writeStatus() {
        Instant now = clock.instant();
        String denied = pushLoop.deniedReason();
        AgentStatus s = new AgentStatus(credentials.agentId(), credentials.org(), config.server().toString(),
                config.ingestUrl().toString(), credentials.notAfter().toString(),
                denied != null ? "refused" : "running", denied, ProcessHandle.current().pid(), now.toString(),
                str(pushLoop.lastAttempt()), pushLoop.lastResult(), str(pushLoop.lastSuccess()), pushLoop.sent(),
                queue.size(), queue.bytes(), queue.oldestAge(now).toSeconds(), queue.dropped(), pushLoop.rejected());
        try {
            statusFile.write(s);
        } catch (IOException e) {
            LOG.warn("cannot write {}: {}", statusFile.path(), e.getMessage());
        }
    }

    private static String str(Instant i) {
        return i == null ? null : i.toString();
    }

    /** Stops collecting, tries for {@link #DRAIN_ON_STOP} to send what is queued, then closes the connection. */
    @Override
    public void close() {
        scheduler.shutdown();
        try {
            scheduler.awaitTermination(10, TimeUnit.SECONDS);
            long deadline = System.nanoTime() + DRAIN_ON_STOP.toNanos();
            while (queue.size() > 0 && pushThread.isAlive() && System.nanoTime() < deadline) {
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
        if (queue.size() > 0) {
            LOG.warn("stopping with {} batches unsent", queue.size());
        }
        writeStatus();
        http.close();
        io.shutdownGracefully(0, 2, TimeUnit.SECONDS).syncUninterruptibly();
        LOG.info("agent stopped; {} batches sent", pushLoop.sent());
    }
}
