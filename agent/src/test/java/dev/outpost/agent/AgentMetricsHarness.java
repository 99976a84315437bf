package dev.outpost.agent;

import dev.outpost.agent.collect.FilesystemFilter;
import dev.outpost.agent.collect.HostCollection;
import dev.outpost.agent.collect.HostProbe;
import dev.outpost.agent.enroll.Renewer;
import dev.outpost.agent.metrics.Metrics;
import dev.outpost.agent.otlp.OtlpEncoder;
import dev.outpost.agent.queue.DiskQueue;
import dev.outpost.agent.tls.Identity;
import dev.outpost.agent.tls.TestCa;
import dev.outpost.agent.transport.Backoff;
import dev.outpost.agent.transport.OtlpPusher;
import dev.outpost.agent.transport.PushLoop;
import dev.outpost.agent.transport.PushResult;
import dev.outpost.agent.transport.Pusher;
import io.opentelemetry.proto.collector.metrics.v1.ExportMetricsServiceRequest;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

/**
 * The agent's metric path as the daemon wires it, on a clock the test moves: host collection over a probe, and the
 * agent's own metrics from a real disk queue, push loop, renewer and certificate. Only the network edge is
 * scripted: a gateway that accepts one batch and rejects the next, and an EST server that issues from a test CA.
 * {@link #batch()} encodes a batch and decodes it again with the OTLP classes, as a receiver sees it.
 */
final class AgentMetricsHarness implements AutoCloseable {
    static final String AGENT = "a-00000000000000aa";
    private static final Duration LIFETIME = Duration.ofHours(24);

    private final MutableClock clock;
    private final Metrics metrics = new Metrics();
    private final HostCollection collection;
    private final SelfMetrics self;
    private final DiskQueue queue;
    private final PushLoop push;
    private final Renewer renewer;
    private final long startNanos;
    private volatile CountDownLatch pushed = new CountDownLatch(1);

    AgentMetricsHarness(HostProbe probe, Path dir, Instant now) throws Exception {
        this.clock = new MutableClock(now);
        this.startNanos = nanos(now);
        TestCa ca = new TestCa();
        Path state = dir.resolve("state");
        ca.credentials(AGENT, "acme", now, now.plus(LIFETIME)).store(state);
        Identity identity = Identity.load(state);
        this.queue = DiskQueue.open(dir.resolve("queue"), 1 << 20, 0, clock);
        Pusher gateway = new Pusher() {
            @Override
            public List<OtlpPusher.Outcome> push(List<OtlpPusher.Batch> batches) {
                String date = DateTimeFormatter.RFC_1123_DATE_TIME.format(clock.instant().minusSeconds(3)
                        .atOffset(ZoneOffset.UTC));
                return List.of(new OtlpPusher.Outcome(PushResult.ACCEPTED, "200", null, date),
                        new OtlpPusher.Outcome(PushResult.REJECTED, "413 batch too large", null, date))
                        .subList(0, batches.size());
            }

            @Override
            public void disconnect() {
            }
        };
        this.push = new PushLoop(queue, gateway, backoff(), AGENT, 8, clock, metrics, p -> pushed.countDown());
        this.renewer = new Renewer(identity, current -> {
            try {
                return ca.credentials(AGENT, "acme", clock.instant(), clock.instant().plus(LIFETIME));
            } catch (Exception e) {
                throw new IOException(e);
            }
        }, backoff(), new SplittableRandom(7), clock);
        this.collection = new HostCollection(probe, metrics, FilesystemFilter.defaults(), clock);
        this.self = new SelfMetrics(metrics, queue, identity, push, renewer, clock);
        renewer.tick();
    }

    private Backoff backoff() {
        return new Backoff(Duration.ofSeconds(1), Duration.ofMinutes(2), Duration.ofMinutes(10),
                new SplittableRandom(1), clock);
    }

    /** Queues two batches and runs the real push loop until the scripted gateway has accepted one, rejected one. */
    void pushTwoBatches() throws Exception {
        pushed = new CountDownLatch(1);
        queue.append(new byte[] {1});
        queue.append(new byte[] {2});
        Thread t = new Thread(push, "test-push");
        t.start();
        push.wake();
        boolean done = pushed.await(30, TimeUnit.SECONDS);
        push.stop();
        t.join(TimeUnit.SECONDS.toMillis(30));
        if (!done || queue.stats().records() != 0) {
            throw new AssertionError("the push loop did not send both batches within 30 s: " + queue.stats());
        }
    }

    /** Moves the clock past the renewal point and lets the renewer renew the certificate. */
    void renewCertificate() {
        clock.advance(LIFETIME.multipliedBy(7).dividedBy(10));
        renewer.tick();
        clock.advance(Duration.ofSeconds(10));
    }

    /** One batch, as the agent makes it, decoded again from its protobuf bytes. */
    ExportMetricsServiceRequest batch() throws IOException {
        collection.collectOnce();
        self.update();
        byte[] bytes = new OtlpEncoder("test").encode(metrics, Map.of("host.name", "test"), nanos(clock.instant()),
                collection.bootTimeSeconds() * 1_000_000_000L, startNanos).toByteArray();
        return ExportMetricsServiceRequest.parseFrom(bytes);
    }

    Metrics metrics() {
        return metrics;
    }

    private static long nanos(Instant t) {
        return t.getEpochSecond() * 1_000_000_000L + t.getNano();
    }

    @Override
    public void close() throws IOException {
        queue.close();
    }
}
