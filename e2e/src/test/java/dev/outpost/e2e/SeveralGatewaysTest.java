package dev.outpost.e2e;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.outpost.gateway.ca.AgentIdentity;
import dev.outpost.gateway.ca.CaSnapshot;
import dev.outpost.gateway.ca.CertificateAuthority;
import dev.outpost.gateway.ca.MasterKey;
import dev.outpost.gateway.store.LocalPostgres;
import dev.outpost.gateway.store.TestPostgres;
import dev.outpost.wire.Pem;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.time.Instant;
import javax.net.ssl.SSLContext;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.sql.Connection;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.concurrent.CompletableFuture;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;

/**
 * Two real gateway processes sharing a real PostgreSQL behind a real HAProxy (TCP mode, TLS passthrough, health
 * checks), with real agents enrolled and pushing through the balancer. One gateway is killed with SIGKILL while
 * the agents push: they go on through the other, and every batch is stored exactly once across the two file
 * sinks. A revocation made at one gateway is refused at the other; a 1-use token raced at both enrolls once; the
 * audit chain both wrote verifies, and an edit made directly in PostgreSQL is found. The second gateway joins with
 * its config and the master key only (no CA files copied); a CA rollover asked for once is staged, switched and
 * retired by one gateway and followed by both, under agents pushing through the balancer. Prints the failover time
 * per agent (last batch stored before the kill to the first after) and how soon each gateway issued from the new CA.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class SeveralGatewaysTest {
    static final int AGENTS = 4;
    static final Duration VALIDITY = Duration.ofSeconds(30);
    @TempDir
    static Path root;
    LocalPostgres pg;
    String database;
    Map<String, String> state;
    Gateway a;
    Gateway b;
    Proc haproxy;
    int estPort;
    int ingestPort;
    final List<Path> agentDirs = new ArrayList<>();
    final List<Proc> agents = new ArrayList<>();
    /** Agents of the other tests, stopped at the end. */
    final List<Proc> others = new ArrayList<>();
    final List<String> agentIds = new ArrayList<>();

    @BeforeAll
    void start() throws Exception {
        Assumptions.assumeTrue(Files.isExecutable(Path.of("/usr/sbin/haproxy")),
                "HAProxy is not installed; install it with `apt-get install haproxy` (test.sh does)");
        pg = TestPostgres.get();
        database = pg.newDatabase();
        Path secret = pg.passwordFile(Files.createDirectories(root.resolve("secrets")));
        // Certificates of 30 s: agents renew every 15 to 21 s, so that a CA rollover reaches them within the test.
        state = Map.of("OUTPOST_GATEWAY_STATE_TYPE", "postgresql",
                "OUTPOST_GATEWAY_STATE_POSTGRESQL_URL", pg.url(database),
                "OUTPOST_GATEWAY_STATE_POSTGRESQL_USER", TestPostgres.ADMIN,
                "OUTPOST_GATEWAY_STATE_POSTGRESQL_PASSWORD_FILE", secret.toString(),
                "OUTPOST_GATEWAY_CA_AGENT_CERT_VALIDITY", VALIDITY.toSeconds() + "s");
        a = Gateway.start(root, "gw-a", state, "localhost", "127.0.0.1");
        assertTrue(!Files.exists(a.dir.resolve("ca")) && !Files.exists(a.dir.resolve("state.db")),
                "init put the CA in the database and made no state.db");
        b = Gateway.join(a, root, "gw-b", state);
        estPort = freePort();
        ingestPort = freePort();
        Path cfg = root.resolve("haproxy.cfg");
        String example = Files.readString(Proc.REPO.resolve("config/haproxy.cfg"));
        // The repository's example, on loopback, with these gateways and a faster health check.
        String text = example.replace("bind :8443", "bind 127.0.0.1:" + estPort)
                .replace("bind :4318", "bind 127.0.0.1:" + ingestPort)
                .replace("server gw1 10.0.0.11:8443", "server gw1 127.0.0.1:" + a.estPort)
                .replace("server gw2 10.0.0.12:8443", "server gw2 127.0.0.1:" + b.estPort)
                .replace("server gw1 10.0.0.11:4318", "server gw1 127.0.0.1:" + a.ingestPort)
                .replace("server gw2 10.0.0.12:4318", "server gw2 127.0.0.1:" + b.ingestPort)
                .replace("check inter 2s", "check inter 500ms").replace("maxconn 40000", "maxconn 2000");
        Files.writeString(cfg, text);
        haproxy = Proc.startCommand(List.of("/usr/sbin/haproxy", "-db", "-f", cfg.toString()), root.resolve("logs"),
                "haproxy");
        Proc.await(() -> listening(estPort) && listening(ingestPort), Duration.ofSeconds(20), "haproxy");
    }

    @AfterAll
    void stop() throws Exception {
        for (Proc p : agents) {
            p.close();
        }
        for (Proc p : others) {
            p.close();
        }
        // Kept for a failure's post-mortem: the temporary directory goes with the test.
        if (Files.isDirectory(root.resolve("logs"))) {
            copyTree(root.resolve("logs"), Proc.REPO.resolve("e2e/target/several-gateways-logs"));
        }
        for (AutoCloseable c : new AutoCloseable[] {haproxy, a, b}) {
            if (c != null) {
                c.close();
            }
        }
    }

    static int freePort() throws Exception {
        try (ServerSocket s = new ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
            return s.getLocalPort();
        }
    }

    static boolean listening(int port) {
        try (java.net.Socket s = new java.net.Socket("127.0.0.1", port)) {
            return true;
        } catch (Exception e) {
            return false;
        }
    }

    /** The admin CLI against the shared database, from gateway {@code g}'s directory. */
    Proc.Result cli(Gateway g, String log, String... args) throws Exception {
        List<String> all = new ArrayList<>(List.of(args));
        all.add("--dir");
        all.add(g.dir.toString());
        return Proc.run("outpost-gateway", g.logs, log, state, all.toArray(String[]::new));
    }

    String token(Gateway g, int uses) throws Exception {
        Proc.Result r = cli(g, "token-" + g.name + "-" + System.nanoTime(), "token", "create", "--org", "fleet",
                "--uses", Integer.toString(uses));
        assertEquals(0, r.exit(), r.toString());
        return Gateway.field(r.out(), "token");
    }

    /** Enrolls an agent at {@code estUrl} (the balancer or one gateway); returns its directory, or null if refused. */
    Path enroll(String name, String tokenText, String server, String ingest) throws Exception {
        Path dir = Files.createDirectories(root.resolve(name));
        Path token = dir.resolve("token");
        Files.writeString(token, tokenText);
        Path config = dir.resolve("agent.yaml");
        Files.writeString(config, "server: " + server + "\ningest_url: " + ingest + "\nstate_dir: "
                + dir.resolve("state") + "\ninterval: 1s\npush:\n  backoff_initial: 200ms\n  backoff_max: 2s\n"
                + "  retry_after_max: 3s\n  reconnect_spread: 1s\n");
        Proc.Result r = Proc.run("outpost-agent", a.logs, name + "-enroll", Map.of(), "enroll", "--config",
                config.toString(), "--ca-sha256", a.pin, "--token-file", token.toString());
        return r.exit() == 0 ? dir : null;
    }

    String id(Path agentDir) throws Exception {
        return new ObjectMapper().readTree(agentDir.resolve("state/status.json").toFile()).path("agentId").asText();
    }

    JsonNode status(Path agentDir) throws Exception {
        return new ObjectMapper().readTree(agentDir.resolve("state/status.json").toFile());
    }

    Proc run(Path agentDir) throws Exception {
        Proc p = Proc.start("outpost-agent", a.logs, agentDir.getFileName() + "-run", Map.of(), "run", "--config",
                agentDir.resolve("agent.yaml").toString());
        Proc.await(() -> Files.exists(agentDir.resolve("state/status.json")), Duration.ofSeconds(30), "status.json");
        return p;
    }

    /** Renewals gateway {@code g} logged from {@code millis} on. */
    static long renewalsSince(Gateway g, long millis) throws IOException {
        return g.proc.err().lines().filter(l -> l.contains(": renewed serial ") && l.matches("\\d{4}-\\S+Z .*")
                && !Instant.parse(l.substring(0, l.indexOf(' '))).isBefore(Instant.ofEpochMilli(millis))).count();
    }

    /** Waits until the agent in {@code dir} has nothing queued and its last push was accepted. */
    void awaitDrained(Path dir, Duration timeout) throws InterruptedException {
        Proc.await(() -> {
            try {
                JsonNode st = status(dir);
                return st.path("queueBatches").asLong() == 0 && st.path("lastPushResult").asText()
                        .startsWith("ACCEPTED");
            } catch (Exception e) {
                return false;
            }
        }, timeout, dir.getFileName() + " to drain");
    }

    /** Batch sequences per agent over both gateways' file sinks; a batch in both, or twice in one, is a duplicate. */
    static Map<String, List<Long>> stored(Gateway... gateways) throws Exception {
        ObjectMapper json = new ObjectMapper();
        Map<String, List<Long>> out = new TreeMap<>();
        for (Gateway g : gateways) {
            Map<String, TreeSet<Long>> mine = new HashMap<>();
            for (String line : g.sinkRaw()) {
                JsonNode n = json.readTree(line);
                if (!n.has("batch") || !n.has("agent")) {
                    continue;
                }
                String batch = n.path("batch").asText();
                mine.computeIfAbsent(n.path("agent").asText(), k -> new TreeSet<>())
                        .add(Long.parseLong(batch.substring(batch.indexOf(':') + 1)));
            }
            mine.forEach((agent, seqs) -> out.computeIfAbsent(agent, k -> new ArrayList<>()).addAll(seqs));
        }
        return out;
    }

    static long newest(Map<String, List<Long>> stored, String agent) {
        return stored.getOrDefault(agent, List.of()).stream().mapToLong(Long::longValue).max().orElse(-1);
    }

    @Test
    void agentsThroughTheBalancerLoseNothingWhenAGatewayIsKilledAndNoBatchIsStoredTwice() throws Exception {
        String fleet = token(a, AGENTS);
        String est = "https://127.0.0.1:" + estPort;
        String ingest = "https://127.0.0.1:" + ingestPort + "/v1/metrics";
        for (int i = 0; i < AGENTS; i++) {
            Path dir = enroll("agent-" + i, fleet, est, ingest);
            assertTrue(dir != null, "agent " + i + " enrolled through the balancer");
            agentDirs.add(dir);
            agents.add(run(dir));
            agentIds.add(id(dir));
        }
        Proc.await(() -> {
            try {
                Map<String, List<Long>> s = stored(a, b);
                return agentIds.stream().allMatch(id -> s.getOrDefault(id, List.of()).size() >= 3);
            } catch (Exception e) {
                return false;
            }
        }, Duration.ofSeconds(90), "3 batches of every agent");
        Map<String, Long> firstSeq = new HashMap<>();
        for (int i = 0; i < AGENTS; i++) {
            Map<String, List<Long>> s = stored(a, b);
            firstSeq.put(agentIds.get(i), s.get(agentIds.get(i)).stream().mapToLong(Long::longValue).min().getAsLong());
        }

        // Watch each agent's newest stored batch every 100 ms; kill gateway A in the middle of the stream.
        Map<String, Long> lastAdvance = new HashMap<>();
        Map<String, Long> newestSeen = new HashMap<>();
        Map<String, Long> failover = new HashMap<>();
        long killedAt = 0;
        long end = System.nanoTime() + Duration.ofSeconds(60).toNanos();
        while (System.nanoTime() < end && failover.size() < AGENTS) {
            Map<String, List<Long>> s = stored(a, b);
            long now = System.nanoTime();
            for (String id : agentIds) {
                long n = newest(s, id);
                if (n > newestSeen.getOrDefault(id, -1L)) {
                    if (killedAt != 0 && !failover.containsKey(id) && newestSeen.containsKey(id)) {
                        failover.put(id, now - lastAdvance.get(id));
                    }
                    newestSeen.put(id, n);
                    lastAdvance.put(id, now);
                }
            }
            if (killedAt == 0 && lastAdvance.size() == AGENTS && System.nanoTime() > end - Duration.ofSeconds(55)
                    .toNanos()) {
                a.stop(true);
                killedAt = System.nanoTime();
                // Agents stored last through B may store their next one quickly: what counts is after the kill.
                for (String id : agentIds) {
                    lastAdvance.put(id, Math.min(lastAdvance.get(id), killedAt));
                }
            }
            Thread.sleep(100);
        }
        assertEquals(AGENTS, failover.size(), "every agent stored a batch after the kill: " + failover);
        List<Long> ms = failover.values().stream().map(n -> n / 1_000_000).sorted().toList();
        System.out.println("failover (last batch stored before the kill -> first after), ms per agent: " + ms);

        // Gateway A comes back (it undoes any write the kill cut short), then every agent drains and stops.
        a.serve(a.estPort, a.ingestPort);
        Thread.sleep(3000);
        for (int i = 0; i < AGENTS; i++) {
            awaitDrained(agentDirs.get(i), Duration.ofSeconds(60));
            assertEquals(0, agents.get(i).stop());
        }
        Map<String, List<Long>> s = stored(a, b);
        for (int i = 0; i < AGENTS; i++) {
            String id = agentIds.get(i);
            JsonNode st = status(agentDirs.get(i));
            long last = st.path("nextSequence").asLong() - 1;
            List<Long> seqs = s.get(id);
            TreeSet<Long> unique = new TreeSet<>(seqs);
            assertEquals(unique.size(), seqs.size(), "agent " + id + ": no batch stored twice");
            List<Long> missing = new ArrayList<>();
            for (long q = firstSeq.get(id); q <= last; q++) {
                if (!unique.contains(q)) {
                    missing.add(q);
                }
            }
            assertEquals(List.of(), missing, "agent " + id + ": every batch " + firstSeq.get(id) + ".." + last);
            assertEquals(0, st.path("droppedQueueFull").asLong());
        }
        assertTrue(b.sinkRaw().size() > 0 && a.sinkRaw().size() > 0, "both gateways stored batches");
    }

    @Test
    void aRevocationAtOneGatewayIsRefusedAtTheOtherOnItsNextRequest() throws Exception {
        // An agent pushing to gateway B directly; revoked with the CLI of gateway A.
        Path dir = enroll("revoked", token(a, 1), b.estUrl(), b.ingestUrl());
        Proc p = run(dir);
        others.add(p);
        String id = id(dir);
        Proc.await(() -> {
            try {
                return stored(b).getOrDefault(id, List.of()).size() >= 2;
            } catch (Exception e) {
                return false;
            }
        }, Duration.ofSeconds(60), "batches of " + id + " at B");
        Proc.Result r = cli(a, "revoke-" + id, "agent", "revoke", id);
        assertEquals(0, r.exit(), r.toString());
        long revokedAt = System.nanoTime();
        Proc.await(() -> {
            try {
                return status(dir).path("lastPushResult").asText().startsWith("DENIED") || !p.process.isAlive();
            } catch (Exception e) {
                return false;
            }
        }, Duration.ofSeconds(15), "gateway B to refuse " + id);
        System.out.printf("revocation at A refused at B after %d ms%n", (System.nanoTime() - revokedAt) / 1_000_000);
    }

    @Test
    void aOneUseTokenRacedAtBothGatewaysEnrollsExactlyOnce() throws Exception {
        for (int round = 0; round < 3; round++) {
            String t = token(b, 1);
            int r = round;
            String n = r + "-" + System.nanoTime();
            CompletableFuture<Path> atA = CompletableFuture.supplyAsync(() -> quietly(() ->
                    enroll("race-a-" + n, t, a.estUrl(), a.ingestUrl())));
            CompletableFuture<Path> atB = CompletableFuture.supplyAsync(() -> quietly(() ->
                    enroll("race-b-" + n, t, b.estUrl(), b.ingestUrl())));
            int enrolled = (atA.get() != null ? 1 : 0) + (atB.get() != null ? 1 : 0);
            assertEquals(1, enrolled, "round " + round);
        }
    }

    @Test
    void theAuditChainBothGatewaysWroteVerifiesAndAnEditInPostgresqlIsFound() throws Exception {
        aOneUseTokenRacedAtBothGatewaysEnrollsExactlyOnce();
        Proc.Result ok = cli(b, "audit-verify-1", "audit", "verify");
        assertEquals(0, ok.exit(), ok.toString());
        try (Connection c = pg.admin(database); Statement s = c.createStatement()) {
            s.execute("ALTER TABLE audit DISABLE TRIGGER audit_no_update_or_delete");
            s.execute("UPDATE audit SET detail = 'nothing happened here' WHERE seq = 2");
            s.execute("ALTER TABLE audit ENABLE TRIGGER audit_no_update_or_delete");
        }
        Proc.Result bad = cli(a, "audit-verify-2", "audit", "verify");
        assertNotEquals(0, bad.exit(), bad.toString());
        assertTrue((bad.out() + bad.err()).contains("audit entry 2 was edited"), bad.toString());
    }

    /** The CA certificate of {@code role} in the shared database ({@code ca_material}), or null. */
    X509Certificate caInDatabase(String role) throws Exception {
        try (Connection c = pg.admin(database); PreparedStatement ps = c.prepareStatement(
                "SELECT certificate FROM ca_material WHERE role = ?")) {
            ps.setString(1, role);
            try (ResultSet rs = ps.executeQuery()) {
                return rs.next() ? (X509Certificate) CertificateFactory.getInstance("X.509")
                        .generateCertificate(new ByteArrayInputStream(rs.getBytes(1))) : null;
            }
        }
    }

    /**
     * A TLS client with a certificate for a made-up agent, valid for an hour, issued by the CA that issues now (its key
     * unsealed from the database with the first gateway's master key), trusting {@code serverCa}.
     */
    SSLContext oldCaClient(X509Certificate serverCa) throws Exception {
        java.security.SecureRandom random = new java.security.SecureRandom();
        byte[] sealed;
        try (Connection c = pg.admin(database); Statement st = c.createStatement();
                ResultSet rs = st.executeQuery("SELECT sealed_key FROM ca_material WHERE role = 'issuing'")) {
            assertTrue(rs.next());
            sealed = rs.getBytes(1);
        }
        CertificateAuthority ca = new CaSnapshot(caInDatabase("issuing"), sealed, null, null, List.of(), "test")
                .issuer(MasterKey.load(a.dir.resolve("master.key"), random), java.time.Clock.systemUTC(), random);
        java.security.KeyPair key = CertificateAuthority.newKeyPair(random);
        X509Certificate cert = ca.issueAgent(key.getPublic(), new AgentIdentity("fleet", "a-0123456789abcdef"),
                "outpost.local", Duration.ofHours(1));
        return MtlsSocket.context(key.getPrivate(), cert, serverCa);
    }

    /** The first line of the answer to a request over TLS with {@code ctx}, or why there was none. */
    static String answer(SSLContext ctx, int port, String request) {
        try {
            String r = new String(MtlsSocket.exchange(ctx, port, request, new byte[0]), StandardCharsets.ISO_8859_1);
            return r.isEmpty() ? "closed without an answer" : r.substring(0, Math.max(0, r.indexOf("\r\n")));
        } catch (IOException e) {
            return "refused: " + e;
        }
    }

    static final String CACERTS = "GET /.well-known/est/cacerts HTTP/1.1\r\nHost: localhost\r\n\r\n";
    static final String PUSH = "POST /v1/metrics HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/x-protobuf\r\n"
            + "Content-Length: 0\r\n\r\n";

    static boolean issuedBy(Path agentDir, X509Certificate ca) {
        try {
            Pem.readCertificates(agentDir.resolve("state/agent.crt")).get(0).verify(ca.getPublicKey());
            return true;
        } catch (Exception e) {
            return false;
        }
    }

    @Test
    @Order(Integer.MAX_VALUE) // last: the other tests enroll with the first CA's pin
    void aCaRolloverAskedForOnceIsTakenByOneGatewayAndFollowedByBothUnderRunningAgents() throws Exception {
        long began = System.nanoTime();
        X509Certificate oldCa = caInDatabase("issuing");
        Proc.Result requested = cli(b, "ca-rollover", "ca", "rollover", "--switch-after", "1m");
        assertEquals(0, requested.exit(), requested.toString());
        assertTrue(requested.out().contains("rollover:    staged at "), requested.out());
        X509Certificate newCa = caInDatabase("next");
        assertTrue(newCa != null, "the staged CA is in the database");
        // Agents enrolled while the next CA is staged (certificates of the current one), pushing through the balancer.
        String fleet = token(a, 3); // two agents through the balancer, one more at B directly after the switch
        String est = "https://127.0.0.1:" + estPort;
        String ingest = "https://127.0.0.1:" + ingestPort + "/v1/metrics";
        List<Path> dirs = new ArrayList<>();
        List<Proc> procs = new ArrayList<>();
        for (int i = 0; i < 2; i++) {
            Path dir = enroll("roll-" + i, fleet, est, ingest);
            assertTrue(dir != null && issuedBy(dir, oldCa), "agent " + i + " enrolled through the balancer");
            dirs.add(dir);
            procs.add(run(dir));
        }
        others.addAll(procs);
        // A client certificate of the current CA, valid for an hour (issued here with its sealed key from the database
        // and the master key): once that CA is retired it must be refused at both, though valid.
        SSLContext old = oldCaClient(newCa);
        // Each gateway issues from the new CA once its server certificate does: a client trusting only it connects.
        // Watched every 50 ms from before the switch is asked for.
        SSLContext trustsNew = MtlsSocket.context(null, null, newCa);
        CompletableFuture<Map<String, Long>> watch = CompletableFuture.supplyAsync(() -> {
            Map<String, Long> seen = new TreeMap<>();
            long end = System.nanoTime() + Duration.ofSeconds(60).toNanos();
            while (seen.size() < 2 && System.nanoTime() < end) {
                for (Gateway g : List.of(a, b)) {
                    if (!seen.containsKey(g.name) && answer(trustsNew, g.estPort, CACERTS).startsWith("HTTP/1.1 200")) {
                        seen.put(g.name, System.currentTimeMillis());
                    }
                }
                quietly(() -> {
                    Thread.sleep(50);
                    return null;
                });
            }
            return seen;
        });
        Proc.Result switched = cli(a, "ca-switch", "ca", "switch");
        assertEquals(0, switched.exit(), switched.toString());
        assertTrue(switched.out().contains("rollover:    switched at "), switched.out());
        Map<String, Long> pickedUp = watch.get(90, java.util.concurrent.TimeUnit.SECONDS);
        assertEquals(2, pickedUp.size(), "both gateways serve a certificate of the new CA: " + pickedUp);
        long switchedAt;
        try (Connection c = pg.admin(database); Statement st = c.createStatement();
                ResultSet rs = st.executeQuery("SELECT switched_at FROM ca_rollover")) {
            assertTrue(rs.next(), "switched, not retired yet");
            switchedAt = rs.getLong(1);
        }
        String taker = a.proc.err().contains("CA rollover: switched to CA ") ? "gw-a" : "gw-b";
        String stager = a.proc.err().contains("CA rollover: next CA ") ? "gw-a" : "gw-b";
        // B issues agent certificates from the new CA (enrolled at B directly, with the first pin: still published).
        Path atB = enroll("roll-at-b", fleet, b.estUrl(), b.ingestUrl());
        assertTrue(atB != null && issuedBy(atB, newCa), "gateway B issued from the new CA");
        for (Path dir : dirs) {
            Proc.await(() -> issuedBy(dir, newCa), VALIDITY.plus(Duration.ofSeconds(10)),
                    dir.getFileName() + " renewing from the new CA through the balancer");
        }
        for (Gateway g : List.of(a, b)) {
            assertTrue(answer(old, g.ingestPort, PUSH).startsWith("HTTP/1.1 "), g.name + " accepts the previous CA "
                    + "until its retirement: " + answer(old, g.ingestPort, PUSH));
        }

        Proc.Result retire = cli(a, "ca-retire", "ca", "retire");
        assertEquals(0, retire.exit(), retire.toString());
        assertTrue(retire.out().contains("rollover:    none"), retire.out());
        assertTrue(caInDatabase("previous") == null && caInDatabase("issuing").equals(newCa));
        for (Gateway g : List.of(a, b)) {
            Proc.await(() -> !answer(old, g.ingestPort, PUSH).startsWith("HTTP/1.1 "), Duration.ofSeconds(5),
                    g.name + " to refuse a certificate of the retired CA");
        }

        // The agents pushed on through all of it: every batch once, none lost.
        for (int i = 0; i < dirs.size(); i++) {
            Path dir = dirs.get(i);
            awaitDrained(dir, Duration.ofSeconds(30));
            assertEquals(0, procs.get(i).stop());
            String id = id(dir);
            List<Long> seqs = stored(a, b).get(id);
            TreeSet<Long> unique = new TreeSet<>(seqs);
            assertEquals(unique.size(), seqs.size(), id + ": no batch stored twice");
            assertEquals(status(dir).path("nextSequence").asLong() - unique.first(), unique.size(), id + ": no gap");
            assertEquals(0, status(dir).path("droppedQueueFull").asLong());
        }
        System.out.printf("CA rollover across gateways: staged by %s, switch (asked at gw-a) taken by %s; server "
                + "certificate of the new CA at gw-a %d ms and gw-b %d ms after the switch committed; renewals after "
                + "the switch at gw-a %d, at gw-b %d; test took %d s%n", stager, taker, pickedUp.get("gw-a") - switchedAt,
                pickedUp.get("gw-b") - switchedAt, renewalsSince(a, switchedAt), renewalsSince(b, switchedAt),
                Duration.ofNanos(System.nanoTime() - began).toSeconds());
    }

    interface Call<T> {
        T call() throws Exception;
    }

    static <T> T quietly(Call<T> c) {
        try {
            return c.call();
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    /** Copies a directory tree (the logs, kept for a post-mortem), keeping permissions. */
    static void copyTree(Path from, Path to) throws Exception {
        try (Stream<Path> s = Files.walk(from)) {
            for (Path p : s.toList()) {
                Path target = to.resolve(from.relativize(p).toString());
                if (Files.isDirectory(p)) {
                    Files.createDirectories(target);
                    Files.setPosixFilePermissions(target, Files.getPosixFilePermissions(p));
                } else {
                    Files.copy(p, target, StandardCopyOption.COPY_ATTRIBUTES, StandardCopyOption.REPLACE_EXISTING);
                }
            }
        }
    }

    static void secretFile(Path file, byte[] content) throws Exception {
        Files.write(file, content);
        Files.setPosixFilePermissions(file, PosixFilePermissions.fromString("rw-------"));
    }
}
