package dev.outpost.e2e;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.outpost.wire.Pem;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.PublicKey;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.io.TempDir;

/**
 * Certificate rotation as it happens on a host, with 20-second certificates: an agent renews several times during one
 * run with a new key each time and no gap in its data; a copy of an old certificate that tries to renew locks the
 * agent; an agent whose certificate expired within the grace comes back by itself, one beyond it exits 78 saying
 * what to do; and revoking an agent or a whole org stops them at their next request.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class RotationTest {
    static final Duration RUN = Duration.ofSeconds(50);
    @TempDir
    static Path root;
    Gateway gateway;
    Gateway noGrace;
    Agent main;
    Agent dormant;
    Agent late;
    /** Every certificate the running agent had, by serial, with its key, in order. */
    final Map<String, PublicKey> seen = new LinkedHashMap<>();
    Path firstCopy;
    SinkBatches batches;

    /** An enrolled agent: its directory, config and id. */
    record Agent(String name, Path dir, Path config, String id) {
        Path state() {
            return dir.resolve("state");
        }
    }

    Agent enroll(Gateway g, String name, String org) throws Exception {
        Path dir = root.resolve(name);
        Files.createDirectories(dir);
        Path tokenFile = dir.resolve("token");
        Files.writeString(tokenFile, g.createToken(org, 1) + "\n");
        Files.setPosixFilePermissions(tokenFile, PosixFilePermissions.fromString("rw-------"));
        Path config = dir.resolve("agent.yaml");
        Files.writeString(config, "server: " + g.estUrl() + "\ningest_url: " + g.ingestUrl() + "\nstate_dir: "
                + dir.resolve("state") + "\ninterval: 1s\n");
        Proc.Result r = Proc.run("outpost-agent", g.logs, "enroll-" + name, Map.of(), "enroll", "--config",
                config.toString(), "--ca-sha256", g.pin, "--token-file", tokenFile.toString());
        assertEquals(0, r.exit(), r.toString());
        Matcher m = Pattern.compile("enrolled as (a-[0-9a-f]{16})").matcher(r.out());
        assertTrue(m.find(), r.out());
        return new Agent(name, dir, config, m.group(1));
    }

    Proc run(Agent a, String logName) throws Exception {
        return Proc.start("outpost-agent", gateway.logs, logName, Map.of(), "run", "--config", a.config().toString());
    }

    @BeforeAll
    void rotateWhileRunning() throws Exception {
        gateway = Gateway.start(root, "gateway", Map.of("OUTPOST_GATEWAY_CA_AGENT_CERT_VALIDITY", "20s",
                "OUTPOST_GATEWAY_CA_RENEWAL_GRACE", "5m"), "localhost", "127.0.0.1");
        noGrace = Gateway.start(root, "no-grace-gateway", Map.of("OUTPOST_GATEWAY_CA_AGENT_CERT_VALIDITY", "10s",
                "OUTPOST_GATEWAY_CA_RENEWAL_GRACE", "0"), "localhost", "127.0.0.1");
        dormant = enroll(gateway, "dormant", "acme");
        late = enroll(noGrace, "late", "acme");
        // Last, right before it runs: on a busy machine its 20 s certificate must not expire while others enroll.
        main = enroll(gateway, "main", "acme");
        firstCopy = root.resolve("first-copy");
        Files.createDirectories(firstCopy);
        for (String f : List.of("agent.key", "agent.crt", "ca.crt")) {
            Files.copy(main.state().resolve(f), firstCopy.resolve(f), StandardCopyOption.COPY_ATTRIBUTES);
        }
        try (Proc agent = run(main, "main")) {
            long end = System.nanoTime() + RUN.toNanos();
            // Then, for at most 10 s more, until the certificate of a renewal late in the run is in use too.
            long grace = end + java.util.concurrent.TimeUnit.SECONDS.toNanos(10);
            while (agent.process.isAlive() && (System.nanoTime() < end || System.nanoTime() < grace
                    && count(log("main"), "certificate renewed: serial ") > count(log("main"), "is in use (valid until"))) {
                record(main.state().resolve("agent.crt"));
                record(main.state().resolve("agent.crt.next"));
                Thread.sleep(100);
            }
            assertEquals(0, agent.stop(), agent.err());
        }
        batches = SinkBatches.of(gateway, main.id());
    }

    private void record(Path certFile) {
        try {
            X509Certificate c = Pem.readCertificates(certFile).get(0);
            seen.putIfAbsent(c.getSerialNumber().toString(16), c.getPublicKey());
        } catch (Exception e) {
            // not there (yet, or any more): the next poll reads it
        }
    }

    @AfterAll
    void stop() throws Exception {
        if (gateway != null) {
            gateway.close();
        }
        if (noGrace != null) {
            noGrace.close();
        }
    }

    String log(String name) throws Exception {
        return Files.readString(gateway.logs.resolve(name + ".err"));
    }

    @Test
    @Order(1)
    void theAgentRenewedSeveralTimesWithANewKeyEachTime() throws Exception {
        String log = log("main");
        int renewals = count(log, "certificate renewed: serial ");
        assertTrue(renewals >= 3, "renewals in " + RUN.toSeconds() + " s of 20 s certificates: " + renewals + "\n" + log);
        assertEquals(renewals, count(log, "is in use (valid until"), "every renewed certificate was used:\n" + log);
        assertTrue(seen.size() >= renewals + 1, "certificates seen on disk: " + seen.keySet());
        assertEquals(seen.size(), seen.values().stream().distinct().count(), "a new key for every certificate");
        assertEquals(renewals, count(log("gateway-1"), "by " + main.id() + ": renewed serial "),
                "the gateway logged each renewal");
    }

    @Test
    @Order(1)
    void pushingNeverPausedAndEveryBatchArrivedExactlyOnce() throws Exception {
        assertTrue(batches.duplicates.isEmpty(), "stored twice: " + batches.duplicates);
        assertTrue(batches.sequences.size() >= RUN.toSeconds() - 5, "batches: " + batches.sequences.size());
        assertEquals(List.of(), batches.missing(batches.sequences.first(), batches.sequences.last()));
        String log = log("main");
        assertFalse(log.contains("push of"), "no push failed across the renewals:\n" + log);
        assertFalse(log.contains("WARN"), "no warning at all:\n" + log);
    }

    @Test
    @Order(2)
    void aCopiedOldCertificateThatTriesToRenewLocksTheAgent() throws Exception {
        Path copyConfig = root.resolve("copy.yaml");
        Files.writeString(copyConfig, "server: " + gateway.estUrl() + "\ningest_url: " + gateway.ingestUrl()
                + "\nstate_dir: " + firstCopy + "\ninterval: 1s\n");
        Proc.Result r = Proc.run("outpost-agent", gateway.logs, "copy", Map.of(), "run", "--config",
                copyConfig.toString());
        assertEquals(78, r.exit(), r.toString());
        assertTrue(r.err().contains("the gateway refused this agent: the certificate of " + main.id()), r.err());
        assertTrue(r.err().contains("is locked: this certificate (serial "), r.err());

        Proc.Result list = Proc.run("outpost-gateway", gateway.logs, "agent-list", Map.of(), "agent", "list", "--dir",
                gateway.dir.toString());
        assertTrue(list.out().lines().anyMatch(l -> l.startsWith(main.id()) && l.contains(" locked ")), list.out());
        Proc.Result audit = Proc.run("outpost-gateway", gateway.logs, "audit-lock", Map.of(), "audit", "list", "--dir",
                gateway.dir.toString(), "--kind", "agent.lock");
        assertTrue(audit.out().contains(main.id()), audit.toString());

        Proc.Result genuine = Proc.run("outpost-agent", gateway.logs, "main-after-lock", Map.of(), "run", "--config",
                main.config().toString());
        assertEquals(78, genuine.exit(), "the genuine agent is locked too: " + genuine);
    }

    @Test
    @Order(3)
    void anAgentWhoseCertificateExpiredWithinTheGraceComesBackByItselfUntilRevoked() throws Exception {
        X509Certificate before = Pem.readCertificates(dormant.state().resolve("agent.crt")).get(0);
        assertTrue(before.getNotAfter().toInstant().isBefore(java.time.Instant.now()), "expired while the main ran");
        try (Proc agent = run(dormant, "dormant")) {
            agent.awaitLog(Pattern.compile("certificate renewed: serial "), Duration.ofSeconds(60));
            awaitBatches(dormant);
            assertTrue(agent.err().contains("the certificate expired at " + before.getNotAfter().toInstant()),
                    agent.err());

            Proc.Result revoke = Proc.run("outpost-gateway", gateway.logs, "revoke-dormant", Map.of(), "agent",
                    "revoke", "--dir", gateway.dir.toString(), dormant.id());
            assertEquals(0, revoke.exit(), revoke.toString());
            assertTrue(agent.process.waitFor(30, java.util.concurrent.TimeUnit.SECONDS), "exits after revocation");
            assertEquals(78, agent.process.exitValue());
            assertTrue(agent.err().contains("the gateway refused this agent: "), agent.err());
        }
    }

    @Test
    @Order(4)
    void revokingAWholeOrgStopsEachOfItsAgentsAtItsNextRequest() throws Exception {
        Agent one = enroll(gateway, "beta-1", "beta");
        Agent two = enroll(gateway, "beta-2", "beta");
        try (Proc a = run(one, "beta-1"); Proc b = run(two, "beta-2")) {
            awaitBatches(one);
            awaitBatches(two);
            Proc.Result revoke = Proc.run("outpost-gateway", gateway.logs, "revoke-beta", Map.of(), "agent", "revoke",
                    "--dir", gateway.dir.toString(), "--org", "beta", "--all");
            assertEquals(0, revoke.exit(), revoke.toString());
            for (Proc p : List.of(a, b)) {
                assertTrue(p.process.waitFor(30, java.util.concurrent.TimeUnit.SECONDS), "exits after revocation");
                assertEquals(78, p.process.exitValue(), p.err());
                assertTrue(p.err().contains("is revoked"), p.err());
            }
        }
    }

    @Test
    @Order(5)
    void anAgentWhoseCertificateExpiredBeyondTheGraceExits78SayingHowToComeBack() throws Exception {
        Path logs = noGrace.logs;
        Proc.Result r = Proc.run("outpost-agent", logs, "late", Map.of(), "run", "--config", late.config().toString());
        assertEquals(78, r.exit(), r.toString());
        assertTrue(r.err().contains("and this gateway's renewal grace is off; enroll this host again with a new token"),
                r.err());
        assertTrue(r.err().contains("This host needs a new enrollment token: create one with `outpost-gateway token "
                + "create --org acme`, then run `outpost-agent enroll --force"), r.err());
        assertTrue(r.err().contains("`install.sh --reenroll --server URL --ca-pin PIN --token-file FILE` does both"),
                r.err());
    }

    void awaitBatches(Agent a) throws InterruptedException {
        Proc.await(() -> {
            try {
                return !SinkBatches.of(gateway, a.id()).sequences.isEmpty();
            } catch (Exception e) {
                return false;
            }
        }, Duration.ofSeconds(60), "batches from " + a.id());
    }

    static int count(String text, String what) {
        int n = 0;
        for (int i = text.indexOf(what); i >= 0; i = text.indexOf(what, i + 1)) {
            n++;
        }
        return n;
    }
}
