package dev.outpost.agent.transport;

import dev.outpost.agent.MutableClock;
import dev.outpost.agent.metrics.Metrics;
import dev.outpost.agent.queue.DiskQueue;
import dev.outpost.agent.tls.Identity;
import dev.outpost.agent.tls.TestCa;
import dev.outpost.wire.WireNames;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.random.RandomGenerator;

/**
 * The agent's real push path (disk queue, TLS client with its certificate, push loop) against a
 * {@link RecordingHttpsServer} that requires that certificate, for tests of what goes on the wire and what the agent
 * does with each answer. Backoff waits are zero, so retries happen at once.
 */
final class PushFixture implements AutoCloseable {
    static final String AGENT = "a-00000000000000aa";
    final Path stateDir;
    final MutableClock clock;
    final RecordingHttpsServer server;
    final DiskQueue queue;
    /** Between the agent and the server when asked for; else null. */
    final TcpCut cut;
    private final HttpsClient http;

    PushFixture(Path stateDir, MutableClock clock, RecordingHttpsServer.Responder responder) throws Exception {
        this(stateDir, clock, responder, false);
    }

    /** With {@code throughCut}, the agent reaches the server through a {@link TcpCut} ({@link #cut}). */
    PushFixture(Path stateDir, MutableClock clock, RecordingHttpsServer.Responder responder, boolean throughCut)
            throws Exception {
        this.stateDir = stateDir;
        this.clock = clock;
        TestCa ca = new TestCa();
        Instant now = Instant.now();
        ca.credentials(AGENT, "acme", now.minusSeconds(3600), now.plusSeconds(86400)).store(stateDir);
        Identity identity = Identity.load(stateDir);
        this.server = RecordingHttpsServer.start(ca.server("127.0.0.1"), ca.certificate(), responder);
        this.cut = throughCut ? new TcpCut(server.port()) : null;
        String url = cut == null ? server.url(WireNames.OTLP_METRICS_PATH)
                : "https://127.0.0.1:" + cut.port() + WireNames.OTLP_METRICS_PATH;
        this.http = new HttpsClient(URI.create(url), identity::context,
                Duration.ofSeconds(10), identity);
        this.queue = DiskQueue.open(queueDir(), 1 << 20, 0, clock);
    }

    /** A push loop as the agent builds one at start (so a second one is a restart), with the keys kept on disk. */
    PushLoop loop(int maxInFlight) throws Exception {
        RandomGenerator noJitter = new RandomGenerator() {
            @Override
            public long nextLong() {
                return 0;
            }

            @Override
            public long nextLong(long bound) {
                return 0;
            }
        };
        return new PushLoop(queue, new OtlpPusher(http), new Backoff(Duration.ofMillis(1), Duration.ofMillis(1),
                Duration.ofMillis(1), noJitter, clock), BatchKeys.load(AGENT, queueDir()), maxInFlight, clock,
                new Metrics(), p -> { });
    }

    /** Where the queue and its key offset are. */
    Path queueDir() {
        return stateDir.resolve("queue");
    }

    /** Appends {@code n} batches; returns the first one's sequence number. */
    long append(int n) {
        long first = queue.stats().nextSeq();
        for (int i = 0; i < n; i++) {
            queue.append(("batch " + (first + i)).getBytes(StandardCharsets.UTF_8));
        }
        return first;
    }

    /** The Idempotency-Key of every request the server read, in order. */
    List<String> keys() {
        return server.requests().stream().map(r -> r.header(WireNames.IDEMPOTENCY_KEY_HEADER)).toList();
    }

    /** A gateway's 200 for a keyed batch: {@code Outpost-Batch} and {@code Outpost-Watermark} as given. */
    static byte[] ok(String batch, long watermark) {
        return RecordingHttpsServer.response(200, "OK", Map.of("Content-Type", "application/x-protobuf",
                WireNames.BATCH_RESULT_HEADER, batch, WireNames.WATERMARK_HEADER, Long.toString(watermark)), new byte[0]);
    }

    /** The number in a request's key: {@code a-…:N} → N. */
    static long keyNumber(RecordingHttpsServer.Request r) {
        String key = r.header(WireNames.IDEMPOTENCY_KEY_HEADER);
        return Long.parseLong(key.substring(key.indexOf(':') + 1));
    }

    @Override
    public void close() throws Exception {
        try {
            queue.close();
            http.close();
            if (cut != null) {
                cut.close();
            }
        } finally {
            server.close();
        }
    }
}
