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
import dev.outpost.gateway.sink.FileSink;
import dev.outpost.gateway.store.Database;
import dev.outpost.gateway.store.Watermarks;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.nio.NioIoHandler;
import io.netty.handler.ssl.ClientAuth;
import io.netty.util.concurrent.DefaultEventExecutorGroup;
import io.netty.util.concurrent.EventExecutorGroup;
import java.io.InputStream;
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
 * one connection and handled on the blocking executor, as an agent in a backlog sends them.
 */
class IngestOverTlsTest {
    static final AgentIdentity A = new AgentIdentity("acme", "a-3f9a0c1b2d4e5f60");
    final SecureRandom random = new SecureRandom();
    final Clock clock = Clock.systemUTC();
    @TempDir
    Path dir;
    CertificateAuthority ca;
    Database db;
    FileSink sink;
    EventLoopGroup group;
    EventExecutorGroup blocking;
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
        KeyPair serverKey = CertificateAuthority.newKeyPair(random);
        X509Certificate server = ca.issueServer(serverKey.getPublic(), List.of("127.0.0.1"), Duration.ofDays(1));
        db = Database.open(dir.resolve("state.db"));
        sink = new FileSink(dir.resolve("metrics"), 1 << 20, 5, clock);
        BatchCommitter committer = new BatchCommitter(sink, new Watermarks(db, clock));
        Maintenance maintenance = new Maintenance(dir.resolve("maintenance"));
        AgentGate gate = agentId -> java.util.Optional.ofNullable(denied.get(agentId));
        connections = new IngestConnections(gate, sweepClock);
        group = new MultiThreadIoEventLoopGroup(1, NioIoHandler.newFactory());
        blocking = new DefaultEventExecutorGroup(2);
        listener = HttpsListener.bind("ingest", new InetSocketAddress("127.0.0.1", 0), group, group,
                new ServerTls(ClientAuth.REQUIRE, serverKey.getPrivate(), List.of(server, ca.certificate()),
                        ca.certificate()), 64 * 1024, blocking,
                () -> new IngestHandler(committer, maintenance, new Responses(clock), 1 << 20, gate, connections),
                LoggerFactory.getLogger("test"));
        client = agentTls(A);
    }

    @AfterEach
    void tearDown() throws Exception {
        listener.close();
        group.shutdownGracefully(0, 1, java.util.concurrent.TimeUnit.SECONDS).syncUninterruptibly();
        blocking.shutdownGracefully(0, 1, java.util.concurrent.TimeUnit.SECONDS).syncUninterruptibly();
        sink.close();
        db.close();
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
}
