package dev.outpost.gateway.ingest;

import dev.outpost.gateway.AgentTls;
import dev.outpost.gateway.MutableClock;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.outpost.gateway.ca.AgentIdentity;
import dev.outpost.gateway.ca.CertificateAuthority;
import dev.outpost.gateway.http.HttpsListener;
import dev.outpost.gateway.http.Responses;
import dev.outpost.gateway.http.ServerTls;
import dev.outpost.gateway.config.IngestConnectionsConfig;
import dev.outpost.gateway.config.IngestLimitsConfig;
import dev.outpost.gateway.config.RateLimitsConfig;
import dev.outpost.gateway.http.MemoryBudget;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.nio.NioIoHandler;
import io.netty.handler.ssl.ClientAuth;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.security.KeyPair;
import java.security.SecureRandom;
import java.security.cert.X509Certificate;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLSocket;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.slf4j.LoggerFactory;

/**
 * The real ingest listener on loopback: mTLS with an agent certificate from a test CA, requests pipelined on
 * one connection as an agent in a backlog sends them, and the listener's connection bounds. With the JDK's TLS;
 * {@link IngestOverOpenSslTest} runs the same with OpenSSL.
 */
class IngestOverTlsTest {
    static final AgentIdentity A = new AgentIdentity("acme", "a-3f9a0c1b2d4e5f60");
    final SecureRandom random = new SecureRandom();
    final Clock clock = Clock.systemUTC();
    @TempDir
    Path dir;
    CertificateAuthority ca;
    KeyPair serverKey;
    X509Certificate server;
    TestPipeline pipeline;
    EventLoopGroup group;
    HttpsListener listener;
    SSLContext client;
    final java.util.Map<String, String> denied = new java.util.concurrent.ConcurrentHashMap<>();
    final MutableClock sweepClock = new MutableClock(java.time.Instant.now());
    /** The CA's clock: set back, it issues certificates that have expired by now. */
    final MutableClock caClock = new MutableClock(java.time.Instant.now());
    IngestConnections connections;

    @BeforeEach
    void setUp() throws Exception {
        caClock.set(java.time.Instant.now().minus(Duration.ofDays(2)));
        ca = CertificateAuthority.generate("Test CA", Duration.ofDays(30), caClock, random);
        caClock.set(java.time.Instant.now());
        serverKey = CertificateAuthority.newKeyPair(random);
        server = ca.issueServer(serverKey.getPublic(), List.of("127.0.0.1"), Duration.ofDays(1));
        pipeline = new TestPipeline(dir, clock);
        group = new MultiThreadIoEventLoopGroup(1, NioIoHandler.newFactory());
        listen(IngestConnectionsConfig.defaults(), 2);
        client = agentTls(A);
    }

    /** (Re)binds the listener with these connection bounds and per-agent connection cap. */
    void listen(IngestConnectionsConfig bounds, int maxPerAgent) throws Exception {
        listen(bounds, maxPerAgent, null);
    }

    /** The same, with the TLS handshakes' work on {@code handshakeTasks} as the gateway runs it (null: I/O thread). */
    void listen(IngestConnectionsConfig bounds, int maxPerAgent, java.util.concurrent.Executor handshakeTasks)
            throws Exception {
        if (listener != null) {
            listener.close();
        }
        AgentGate gate = agentId -> java.util.Optional.ofNullable(denied.get(agentId));
        connections = new IngestConnections(gate, sweepClock, maxPerAgent);
        IngestServices services = new IngestServices(pipeline.pipeline, new Maintenance(dir.resolve("maintenance")),
                new Responses(clock), gate, connections, new RateLimiter(RateLimitsConfig.defaults(), clock),
                pipeline.stats, IngestLimitsConfig.defaults(), 1 << 20, clock);
        listener = HttpsListener.bind("ingest", new InetSocketAddress("127.0.0.1", 0), group, group,
                new ServerTls(provider(), ClientAuth.REQUIRE, serverKey.getPrivate(), List.of(server, ca.certificate()),
                        List.of(ca.certificate()), null), new HttpsListener.Settings(bounds, 64 * 1024, new MemoryBudget(1 << 20),
                        handshakeTasks),
                null, held -> new IngestHandler(services, held), LoggerFactory.getLogger("test"), clock);
    }

    /** The TLS implementation under test (IngestOverOpenSslTest runs every test here with OpenSSL). */
    io.netty.handler.ssl.SslProvider provider() {
        return io.netty.handler.ssl.SslProvider.JDK;
    }

    @AfterEach
    void tearDown() throws Exception {
        listener.close();
        group.shutdownGracefully(0, 1, java.util.concurrent.TimeUnit.SECONDS).syncUninterruptibly();
        pipeline.close();
    }

    SSLContext agentTls(AgentIdentity id) throws Exception {
        return AgentTls.context(ca, id, Duration.ofHours(1), random);
    }

    /**
     * Writes the requests in one go on a new connection, then reads {@code expect} responses, and more until the
     * server closes if {@code toEnd}.
     */
    List<Wire.Response> exchange(int expect, boolean toEnd, byte[]... requests) throws Exception {
        InetSocketAddress at = listener.address();
        try (SSLSocket s = AgentTls.connect(client, at)) {
            s.getOutputStream().write(Wire.concat(requests));
            s.getOutputStream().flush();
            InputStream in = s.getInputStream();
            List<Wire.Response> out = new ArrayList<>();
            for (Wire.Response r = Wire.read(in); r != null; r = Wire.read(in)) {
                out.add(r);
                if (!toEnd && out.size() == expect) {
                    break;
                }
            }
            assertTrue(out.size() >= expect, "got " + out.size() + " responses, expected " + expect);
            return out;
        }
    }

    @Test
    void pipelinedBatchesAreStoredInOrderOnceUnderTheCertificatesIdentity() throws Exception {
        List<Wire.Response> rs = exchange(3, false, Wire.post("a-3f9a0c1b2d4e5f60:1"),
                Wire.post("a-3f9a0c1b2d4e5f60:2"), Wire.post("a-3f9a0c1b2d4e5f60:1"));
        assertEquals(List.of(200, 200, 200), rs.stream().map(Wire.Response::status).toList());
        assertEquals(List.of("a-3f9a0c1b2d4e5f60/a-3f9a0c1b2d4e5f60:1", "a-3f9a0c1b2d4e5f60/a-3f9a0c1b2d4e5f60:2"),
                Wire.stored(dir.resolve("metrics")));
    }

    @Test
    void afterAFailedRequestTheRestAreRefusedUnprocessedAndTheConnectionCloses() throws Exception {
        List<Wire.Response> rs = exchange(1, true,
                Wire.post("a-3f9a0c1b2d4e5f60:1", Wire.PROTOBUF, new byte[] {(byte) 0xff}),
                Wire.post("a-3f9a0c1b2d4e5f60:2"), Wire.post("a-3f9a0c1b2d4e5f60:3"));
        assertEquals(400, rs.get(0).status());
        // Whatever the server had read behind the failure was answered 503 Retry-After: 1; then it closed.
        for (Wire.Response r : rs.subList(1, rs.size())) {
            assertEquals(503, r.status());
            assertEquals("1", r.header("retry-after"));
        }
        assertTrue(rs.size() <= 3);
        assertEquals(List.of(), Wire.stored(dir.resolve("metrics")), "nothing behind the failure was stored");

        assertEquals(200, exchange(1, false, Wire.post("a-3f9a0c1b2d4e5f60:2")).get(0).status());
        assertEquals(List.of("a-3f9a0c1b2d4e5f60/a-3f9a0c1b2d4e5f60:2"), Wire.stored(dir.resolve("metrics")));
    }

    /** Sends one batch, reads its 200, lets {@code sweep} run, and returns what the socket reads next (-1: closed). */
    int readAfterSweep(Runnable sweep) throws Exception {
        InetSocketAddress at = listener.address();
        try (SSLSocket s = AgentTls.connect(client, at)) {
            s.getOutputStream().write(Wire.post("a-3f9a0c1b2d4e5f60:1"));
            s.getOutputStream().flush();
            assertEquals(200, Wire.read(s.getInputStream()).status());
            assertEquals(1, connections.size(), "the verified connection is followed");
            sweep.run();
            return s.getInputStream().read();
        }
    }

    @Test
    void theSweepClosesAnOpenConnectionOfARevokedAgent() throws Exception {
        assertEquals(-1, readAfterSweep(() -> {
            assertEquals(0, connections.sweep());
            denied.put(A.agentId(), "revoked");
            assertEquals(1, connections.sweep());
        }));
    }

    @Test
    void anExpiredClientCertificateFailsTheHandshakeAndNothingIsStored() throws Exception {
        caClock.set(java.time.Instant.now().minus(Duration.ofHours(2)));
        client = agentTls(A); // valid for 1 hour from 2 hours ago
        caClock.set(java.time.Instant.now());
        org.junit.jupiter.api.Assertions.assertThrows(javax.net.ssl.SSLException.class, () -> exchange(1, false,
                Wire.post("a-3f9a0c1b2d4e5f60:1")));
        assertEquals(List.of(), Wire.stored(dir.resolve("metrics")));
        client = agentTls(A);
        assertEquals(200, exchange(1, false, Wire.post("a-3f9a0c1b2d4e5f60:1")).get(0).status());
    }

    @Test
    void noConnectionOutlivesItsClientCertificate() throws Exception {
        // agentTls issues certificates valid for 1 hour
        assertEquals(-1, readAfterSweep(() -> {
            sweepClock.set(java.time.Instant.now().plus(Duration.ofMinutes(59)));
            assertEquals(0, connections.sweep());
            sweepClock.set(java.time.Instant.now().plus(Duration.ofMinutes(61)));
            assertEquals(1, connections.sweep());
        }));
    }

    /** Reads until the server closes the connection (-1) or 10 s pass; returns the milliseconds it took. */
    static long millisUntilClosed(SSLSocket s) throws Exception {
        long start = System.nanoTime();
        s.setSoTimeout(10_000);
        try {
            while (s.getInputStream().read() >= 0) {
                // drain whatever the server says before it closes
            }
        } catch (java.net.SocketException e) {
            // reset by the server: closed as well
        }
        return (System.nanoTime() - start) / 1_000_000;
    }

    @Test
    void aRequestTrickledByteByByteIsCutOffAtTheRequestDeadline() throws Exception {
        listen(new IngestConnectionsConfig(100, 100, 64, Duration.ofSeconds(5), Duration.ofSeconds(1),
                Duration.ofMinutes(5)), 2);
        try (SSLSocket s = AgentTls.connect(client, listener.address())) {
            byte[] head = "POST /v1/metrics HTTP/1.1\r\nHost: gw\r\nX-Slow: ".getBytes(StandardCharsets.US_ASCII);
            long start = System.nanoTime();
            boolean cut = false;
            for (int i = 0; i < 40 && !cut; i++) {
                try {
                    s.getOutputStream().write(head[i % head.length]);
                    s.getOutputStream().flush();
                } catch (java.io.IOException e) {
                    cut = true;
                }
                Thread.sleep(100);
            }
            long elapsed = (System.nanoTime() - start) / 1_000_000 + (cut ? 0 : millisUntilClosed(s));
            assertTrue(elapsed < 4_000, "closed about 1 s after the first byte, not " + elapsed + " ms");
        }
        assertEquals(200, exchange(1, false, Wire.post("a-3f9a0c1b2d4e5f60:1")).get(0).status(), "others served");
    }

    @Test
    void anIdleConnectionIsClosedAtTheIdleTimeout() throws Exception {
        listen(new IngestConnectionsConfig(100, 100, 64, Duration.ofSeconds(5), Duration.ofSeconds(5),
                Duration.ofSeconds(1)), 2);
        try (SSLSocket s = AgentTls.connect(client, listener.address())) {
            s.getOutputStream().write(Wire.post("a-3f9a0c1b2d4e5f60:1"));
            s.getOutputStream().flush();
            assertEquals(200, Wire.read(s.getInputStream()).status());
            long waited = millisUntilClosed(s);
            assertTrue(waited >= 500 && waited < 5_000, "closed after about 1 s idle, not " + waited + " ms");
        }
    }

    @Test
    void connectionsBeyondTheCapsAreClosedBeforeTheHandshake() throws Exception {
        listen(new IngestConnectionsConfig(100, 2, 64, Duration.ofSeconds(5), Duration.ofSeconds(5),
                Duration.ofMinutes(5)), 8);
        try (SSLSocket first = AgentTls.connect(client, listener.address());
                SSLSocket second = AgentTls.connect(client, listener.address())) {
            java.io.IOException refused = org.junit.jupiter.api.Assertions.assertThrows(java.io.IOException.class,
                    () -> AgentTls.connect(client, listener.address()).close());
            assertTrue(refused.getMessage() != null, "the third handshake from 127.0.0.1 fails: " + refused);
            first.getOutputStream().write(Wire.post("a-3f9a0c1b2d4e5f60:1"));
            first.getOutputStream().flush();
            assertEquals(200, Wire.read(first.getInputStream()).status(), "the first two are served");
            assertTrue(second.isConnected());
        }
        Proc.await(() -> listener.openConnections() == 0, Duration.ofSeconds(5));
        assertEquals(200, exchange(1, false, Wire.post("a-3f9a0c1b2d4e5f60:2")).get(0).status(), "and room again");
    }

    @Test
    void atItsBoundOfHandshakeWorkTheListenerStopsAcceptingUntilItIsDone() throws Exception {
        java.util.concurrent.ExecutorService thread = java.util.concurrent.Executors.newSingleThreadExecutor();
        java.util.concurrent.CountDownLatch go = new java.util.concurrent.CountDownLatch(1);
        // The handshake threads, busy until the test lets them go.
        java.util.concurrent.Executor busy = task -> thread.execute(() -> {
            try {
                go.await();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            task.run();
        });
        try {
            listen(new IngestConnectionsConfig(100, 100, 1, Duration.ofSeconds(30), Duration.ofSeconds(5),
                    Duration.ofMinutes(5)), 2, busy);
            try (java.net.Socket silent = new java.net.Socket()) {
                // A connection that sends nothing costs no handshake work, so it holds no place.
                silent.connect(listener.address(), 5_000);
                Proc.await(() -> listener.openConnections() == 1, Duration.ofSeconds(5));
                assertEquals(0, listener.handshakes());
                assertTrue(listener.accepting());
                java.util.concurrent.CompletableFuture<Integer> first = post("a-3f9a0c1b2d4e5f60:1");
                Proc.await(() -> listener.handshakes() == 1 && !listener.accepting(), Duration.ofSeconds(5));
                java.util.concurrent.CompletableFuture<Integer> second = post("a-3f9a0c1b2d4e5f60:2");
                Thread.sleep(1_000);
                org.junit.jupiter.api.Assertions.assertFalse(first.isDone() || second.isDone(), "both wait");
                assertEquals(2, listener.openConnections(), "the second is not accepted while the bound is reached");
                go.countDown();
                assertEquals(200, first.get(20, java.util.concurrent.TimeUnit.SECONDS));
                assertEquals(200, second.get(20, java.util.concurrent.TimeUnit.SECONDS), "then accepted and served");
            }
            Proc.await(() -> listener.handshakes() == 0 && listener.accepting(), Duration.ofSeconds(5));
        } finally {
            thread.shutdownNow();
        }
    }

    /** One batch on a new connection, from another thread: its status. */
    java.util.concurrent.CompletableFuture<Integer> post(String key) {
        return java.util.concurrent.CompletableFuture.supplyAsync(() -> {
            try {
                return exchange(1, false, Wire.post(key)).get(0).status();
            } catch (Exception e) {
                throw new IllegalStateException(e);
            }
        });
    }

    @Test
    void anAgentBeyondItsConnectionCapIsAnswered429() throws Exception {
        listen(IngestConnectionsConfig.defaults(), 1);
        try (SSLSocket first = AgentTls.connect(client, listener.address());
                SSLSocket second = AgentTls.connect(client, listener.address())) {
            second.getOutputStream().write(Wire.post("a-3f9a0c1b2d4e5f60:1"));
            second.getOutputStream().flush();
            Wire.Response r = Wire.read(second.getInputStream());
            assertEquals(429, r.status());
            first.getOutputStream().write(Wire.post("a-3f9a0c1b2d4e5f60:1"));
            first.getOutputStream().flush();
            assertEquals(200, Wire.read(first.getInputStream()).status());
        }
    }

    @Test
    void plainHttpToTheTlsPortIsLoggedWithoutItsBytes() throws Exception {
        ch.qos.logback.classic.Logger log = (ch.qos.logback.classic.Logger) LoggerFactory.getLogger("test");
        ch.qos.logback.core.read.ListAppender<ch.qos.logback.classic.spi.ILoggingEvent> logged =
                new ch.qos.logback.core.read.ListAppender<>();
        logged.start();
        log.addAppender(logged);
        try {
            for (int i = 0; i < 3; i++) {
                try (java.net.Socket s = new java.net.Socket(listener.address().getAddress(),
                        listener.address().getPort())) {
                    s.getOutputStream().write(("GET / HTTP/1.1\r\nHost: gw\r\nAuthorization: Basic c2VjcmV0OnM=\r\n\r\n")
                            .getBytes(StandardCharsets.US_ASCII));
                    s.setSoTimeout(5_000);
                    s.getInputStream().read();
                } catch (java.io.IOException e) {
                    // the server closes on the bad record
                }
            }
            Proc.await(() -> !logged.list.isEmpty(), Duration.ofSeconds(5));
        } finally {
            log.detachAppender(logged);
        }
        List<String> lines = logged.list.stream().map(e -> e.getFormattedMessage())
                .filter(m -> m.contains("handshake")).toList();
        assertEquals(1, lines.size(), "once a minute per address, not once per attempt: " + lines);
        assertTrue(lines.get(0).contains("not a TLS record (plain HTTP or another protocol sent to a TLS port)"),
                lines.get(0));
        String hexOfSecret = java.util.HexFormat.of().formatHex("c2VjcmV0".getBytes(StandardCharsets.US_ASCII));
        assertTrue(!lines.get(0).contains("c2VjcmV0") && !lines.get(0).contains(hexOfSecret), lines.get(0));
    }

    /** Polls a condition (bounded). */
    static final class Proc {
        static void await(java.util.function.BooleanSupplier condition, Duration timeout) throws Exception {
            long end = System.nanoTime() + timeout.toNanos();
            while (!condition.getAsBoolean()) {
                assertTrue(System.nanoTime() < end, "condition not met within " + timeout);
                Thread.sleep(20);
            }
        }
    }
}
