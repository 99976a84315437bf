package dev.outpost.gateway.ingest;

import dev.outpost.gateway.MutableClock;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.protobuf.CodedInputStream;
import dev.outpost.gateway.ca.AgentIdentity;
import dev.outpost.gateway.ca.CertificateAuthority;
import dev.outpost.gateway.http.BoundedAggregator;
import dev.outpost.gateway.http.Responses;
import dev.outpost.gateway.config.IngestLimitsConfig;
import dev.outpost.gateway.config.RateLimitsConfig;
import dev.outpost.gateway.store.AgentRegistry;
import dev.outpost.gateway.store.AuditEvent;
import dev.outpost.gateway.store.AuditLog;
import dev.outpost.gateway.store.AuditVerifier;
import dev.outpost.gateway.store.Database;
import dev.outpost.gateway.store.Enrollments;
import dev.outpost.gateway.store.TokenHasher;
import dev.outpost.wire.EnrollmentToken;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.handler.codec.http.HttpServerCodec;
import java.io.ByteArrayOutputStream;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.slf4j.LoggerFactory;

/**
 * Revocation as ingest enforces it: the next request of a revoked agent is 403 and closes its connection (within
 * the deny list's 1 s bound), and the sweep closes open connections of revoked agents and expired certificates.
 */
class RevocationTest {
    @TempDir
    Path dir;
    final SecureRandom random = new SecureRandom();
    final MutableClock clock = new MutableClock(Instant.parse("2026-11-22T10:00:00Z"));
    TestPipeline pipeline;
    Database db;
    Enrollments enrollments;
    AgentRegistry agents;
    CachedDenyList gate;
    IngestConnections connections;
    CertificateAuthority ca;

    @BeforeEach
    void setUp() throws Exception {
        pipeline = new TestPipeline(dir, clock);
        db = pipeline.db;
        enrollments = new Enrollments(db, TokenHasher.loadOrCreate(dir.resolve("pepper"), random), clock, random);
        agents = new AgentRegistry(db, clock);
        gate = new CachedDenyList(agents::denied, clock, Duration.ofSeconds(1));
        connections = new IngestConnections(gate, clock);
        ca = CertificateAuthority.generate("t", Duration.ofDays(365), clock, random);
    }

    @AfterEach
    void tearDown() throws Exception {
        pipeline.close();
    }

    AgentIdentity enroll(String org, String host) throws Exception {
        EnrollmentToken t = enrollments.createToken(org, 1, Duration.ofHours(1));
        AtomicReference<AgentIdentity> id = new AtomicReference<>();
        java.security.PublicKey own = CertificateAuthority.newKeyPair(random).getPublic();
        enrollments.enroll(t.id(), t.secret(), host, "192.0.2.7", own, id2 -> {
            id.set(id2);
            return ca.issueAgent(own, id2, "outpost.local", Duration.ofHours(24));
        });
        return id.get();
    }

    EmbeddedChannel connect(AgentIdentity id) {
        return new EmbeddedChannel(new HttpServerCodec(4096, 8192, 8192),
                new BoundedAggregator(64 * 1024, LoggerFactory.getLogger("test"), "ingest"),
                new IngestHandler(new IngestServices(pipeline.pipeline, new Maintenance(dir.resolve("maintenance")),
                        new Responses(clock), gate, connections, new RateLimiter(RateLimitsConfig.defaults(), clock),
                        pipeline.stats, IngestLimitsConfig.defaults(), 1 << 20, clock), null, ctx -> id));
    }

    static Wire.Response send(EmbeddedChannel ch, byte[] request) throws Exception {
        return Wire.exchange(ch, request, 1).get(0);
    }

    /** The message of an OTLP error body (google.rpc.Status, field 2). */
    static String statusMessage(byte[] body) throws Exception {
        CodedInputStream in = CodedInputStream.newInstance(body);
        for (int tag = in.readTag(); tag != 0; tag = in.readTag()) {
            if (tag >>> 3 == 2) {
                return in.readString();
            }
            in.skipField(tag);
        }
        return null;
    }

    @Test
    void theNextRequestOfARevokedAgentIs403AndClosesItsConnection() throws Exception {
        AgentIdentity web = enroll("acme", "web-1");
        AgentIdentity db1 = enroll("acme", "db-1");
        EmbeddedChannel ch = connect(web);
        assertEquals(200, send(ch, Wire.post(web.agentId() + ":1")).status());

        assertTrue(agents.revoke(web.agentId()));
        clock.advance(Duration.ofMillis(999));
        assertEquals(200, send(ch, Wire.post(web.agentId() + ":2")).status(), "the list is at most 1 s old");
        clock.advance(Duration.ofMillis(1));
        Wire.Response r = send(ch, Wire.post(web.agentId() + ":3"));
        assertEquals(403, r.status());
        assertEquals("agent " + web.agentId() + " is revoked", statusMessage(r.body()));
        assertEquals("close", r.header("connection"));
        assertFalse(ch.isOpen());
        assertEquals(List.of(web.agentId() + "/" + web.agentId() + ":1", web.agentId() + "/" + web.agentId() + ":2"),
                Wire.stored(dir.resolve("metrics")));

        assertEquals(403, send(connect(web), Wire.post(web.agentId() + ":4")).status(), "and on a new connection");
        assertEquals(200, send(connect(db1), Wire.post(db1.agentId() + ":1")).status(), "others are served");
        assertFalse(agents.revoke(web.agentId()), "already revoked");
    }

    @Test
    void revokingAnOrgRevokesEachOfItsAgentsAndAuditsEach() throws Exception {
        AgentIdentity a1 = enroll("acme", "web-1");
        AgentIdentity a2 = enroll("acme", "web-2");
        AgentIdentity other = enroll("globex", "web-1");
        assertEquals(2, agents.revokeOrg("acme"));
        assertEquals(0, agents.revokeOrg("acme"));
        assertEquals(403, send(connect(a1), Wire.post(a1.agentId() + ":1")).status());
        assertEquals(403, send(connect(a2), Wire.post(a2.agentId() + ":1")).status());
        assertEquals(200, send(connect(other), Wire.post(other.agentId() + ":1")).status());
        assertEquals(List.of("revoked", "revoked", "active"), agents.list().stream().map(AgentRegistry.Row::status)
                .toList());
        var audit = AuditLog.all(db);
        assertEquals(List.of(a1.agentId(), a2.agentId()).stream().sorted().toList(), audit.stream()
                .filter(e -> e.event().kind().equals(AuditEvent.AGENT_REVOKE)).map(e -> e.event().agent()).toList());
        assertEquals(Optional.empty(), AuditVerifier.firstProblem(audit));
    }

    @Test
    void theSweepClosesConnectionsOfRevokedAgentsAndOfExpiredCertificates() throws Exception {
        AgentIdentity revoked = enroll("acme", "web-1");
        AgentIdentity expiring = enroll("acme", "web-2");
        AgentIdentity fine = enroll("acme", "web-3");
        EmbeddedChannel c1 = connect(revoked);
        EmbeddedChannel c2 = connect(expiring);
        EmbeddedChannel c3 = connect(fine);
        connections.track(c1, revoked.agentId(), clock.instant().plus(Duration.ofHours(24)));
        connections.track(c2, expiring.agentId(), clock.instant().plus(Duration.ofSeconds(30)));
        connections.track(c3, fine.agentId(), clock.instant().plus(Duration.ofHours(24)));
        assertEquals(0, connections.sweep());

        agents.revoke(revoked.agentId());
        clock.advance(Duration.ofSeconds(1));
        assertEquals(1, connections.sweep());
        assertFalse(c1.isOpen());
        assertTrue(c2.isOpen() && c3.isOpen());

        clock.advance(Duration.ofSeconds(29));
        assertEquals(1, connections.sweep());
        assertFalse(c2.isOpen(), "no connection outlives its client certificate");
        assertTrue(c3.isOpen());
        assertEquals(1, connections.size());
        c3.close();
        assertEquals(0, connections.size());
    }
}
