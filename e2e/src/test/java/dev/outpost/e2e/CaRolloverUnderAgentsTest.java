package dev.outpost.e2e;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.outpost.wire.CaPin;
import dev.outpost.wire.Pem;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;

/**
 * A CA rollover under running agents with 20-second certificates and a 60-second renewal grace: after one {@code ca
 * rollover} the gateway stages the next CA and switches to it one certificate lifetime later on its own; once {@code
 * ca status} shows that only the host that is still off holds a certificate of the old CA, the operator retires it
 * ({@code ca retire}; the planned retirement after the grace is tested with a fake clock in the gateway's tests). The
 * running agents never fail a push from the rollover on (before it, a machine so loaded that an agent starts after its
 * 20-second certificate expired may fail one), lose or repeat a batch, and end with certificates from the new CA,
 * trusting only it; an agent that was off during the stage and the switch comes back through the renewal grace; one
 * that was off until the old CA was retired exits 78 saying what to do.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class CaRolloverUnderAgentsTest {
    static final Map<String, String> SHORT = Map.of("OUTPOST_GATEWAY_CA_AGENT_CERT_VALIDITY", "20s",
            "OUTPOST_GATEWAY_CA_RENEWAL_GRACE", "60s");
    @TempDir
    static Path root;
    Gateway gateway;
    final List<Agent> running = new ArrayList<>();
    final List<Proc> procs = new ArrayList<>();
    Agent dormant;
    Agent late;
    Proc.Result lateRun;
    Proc.Result status;
    /** When the rollover was asked for: what the running agents log from then on is the rollover's doing. */
    Instant rolloverStart;
    String oldPin;
    X509Certificate newCa;
    long started;
    long finished;

    record Agent(String name, Path config, Path state, String id) {
    }

    /** Enrolls the named agents at once (one process each) with the fleet token in {@code tokenFile}. */
    List<Agent> enroll(Path tokenFile, String... names) throws Exception {
        List<Proc> enrolls = new ArrayList<>();
        List<Path> configs = new ArrayList<>();
        for (String name : names) {
            Path dir = root.resolve(name);
            Files.createDirectories(dir);
            Path config = dir.resolve("agent.yaml");
            Files.writeString(config, "server: " + gateway.estUrl() + "\ningest_url: " + gateway.ingestUrl()
                    + "\nstate_dir: " + dir.resolve("state") + "\ninterval: 1s\n");
            configs.add(config);
            enrolls.add(Proc.start("outpost-agent", gateway.logs, "enroll-" + name, Map.of(), "enroll", "--config",
                    config.toString(), "--ca-sha256", gateway.pin, "--token-file", tokenFile.toString()));
        }
        List<Agent> out = new ArrayList<>();
        for (int i = 0; i < names.length; i++) {
            try (Proc p = enrolls.get(i)) {
                assertTrue(p.process.waitFor(60, java.util.concurrent.TimeUnit.SECONDS), "enroll " + names[i]);
                assertEquals(0, p.process.exitValue(), p.err());
                Matcher m = Pattern.compile("enrolled as (a-[0-9a-f]{16})").matcher(p.out());
                assertTrue(m.find(), p.out());
                out.add(new Agent(names[i], configs.get(i), root.resolve(names[i]).resolve("state"), m.group(1)));
            }
        }
        return out;
    }

    Proc run(Agent a) throws Exception {
        Proc p = Proc.start("outpost-agent", gateway.logs, a.name(), Map.of(), "run", "--config", a.config().toString());
        procs.add(p);
        return p;
    }

    Proc.Result ca(String... args) throws Exception {
        List<String> argv = new ArrayList<>(List.of("ca"));
        argv.addAll(List.of(args));
        argv.addAll(List.of("--dir", gateway.dir.toString()));
        return Proc.run("outpost-gateway", gateway.logs, "ca-" + args[0], SHORT, argv.toArray(String[]::new));
    }

    String log(String name) throws Exception {
        return Files.readString(gateway.logs.resolve(name + ".err"));
    }

    @BeforeAll
    void rollOverUnderRunningAgents() throws Exception {
        started = System.nanoTime();
        gateway = Gateway.start(root, "gateway", SHORT, "localhost", "127.0.0.1");
        oldPin = gateway.pin;
        Path tokenFile = root.resolve("token");
        Files.writeString(tokenFile, gateway.createToken("acme", 4) + "\n");
        Files.setPosixFilePermissions(tokenFile, PosixFilePermissions.fromString("rw-------"));
        List<Agent> first = enroll(tokenFile, "one", "two", "late");
        running.addAll(first.subList(0, 2));
        late = first.get(2);
        for (Agent a : running) {
            run(a);
        }
        // Its certificate expires before the switch and the agent comes back after it, within the grace.
        dormant = enroll(tokenFile, "dormant").get(0);
        for (Agent a : running) {
            awaitBatches(a, 1);
        }

        rolloverStart = Instant.now();
        Proc.Result requested = ca("rollover");
        assertEquals(0, requested.exit(), requested.toString());
        assertTrue(requested.out().contains("rollover:    staged at "), requested.out());
        gateway.proc.awaitLog(Pattern.compile("CA rollover: switched to CA "), Duration.ofSeconds(30));
        newCa = Pem.readCertificates(gateway.dir.resolve("ca/ca.crt")).get(0);
        assertFalse(CaPin.of(newCa).toString().equals(oldPin));

        Proc back = run(dormant); // off during the stage and the switch, its certificate expired within the grace
        back.awaitLog(Pattern.compile("certificate renewed: serial "), Duration.ofSeconds(30));
        awaitBatches(dormant, 1);

        for (Agent a : running) {
            Proc.await(() -> issuedByNewCa(a), Duration.ofSeconds(20), a.name() + " renewing from the new CA");
        }
        status = ca("status");
        Proc.Result retire = ca("retire");
        assertEquals(0, retire.exit(), retire.toString());
        gateway.proc.awaitLog(Pattern.compile("CA rollover: previous CA \\S+ retired"), Duration.ofSeconds(30));
        lateRun = Proc.run("outpost-agent", gateway.logs, "late", Map.of(), "run", "--config", late.config().toString());
        for (Agent a : running) {
            Proc.await(() -> trusts(a).equals(List.of(newCa)), Duration.ofSeconds(20),
                    a.name() + " trusting only the new CA after its next renewal");
        }
        procs.forEach(p -> p.process.destroy()); // SIGTERM to all at once; each drains for up to 5 s
        for (Proc p : procs) {
            assertEquals(0, p.stop(), p.err());
        }
        finished = System.nanoTime();
    }

    boolean issuedByNewCa(Agent a) {
        try {
            Pem.readCertificates(a.state().resolve("agent.crt")).get(0).verify(newCa.getPublicKey());
            return true;
        } catch (Exception e) {
            return false;
        }
    }

    List<X509Certificate> trusts(Agent a) {
        try {
            return Pem.readCertificates(a.state().resolve("ca.crt"));
        } catch (Exception e) {
            return List.of();
        }
    }

    void awaitBatches(Agent a, int n) throws InterruptedException {
        Proc.await(() -> {
            try {
                return SinkBatches.of(gateway, a.id()).sequences.size() >= n;
            } catch (Exception e) {
                return false;
            }
        }, Duration.ofSeconds(30), n + " batches from " + a.name());
    }

    @AfterAll
    void stop() throws Exception {
        for (Proc p : procs) {
            p.close();
        }
        if (gateway != null) {
            gateway.close();
        }
    }

    @Test
    void theGatewayTookEveryStepByItselfAndAuditedIt() throws Exception {
        Proc.Result audit = Proc.run("outpost-gateway", gateway.logs, "audit-ca", Map.of(), "audit", "list", "--dir",
                gateway.dir.toString());
        List<String> steps = audit.out().lines().filter(l -> l.contains(" ca.")).map(l -> l.split(" ")[2] + " "
                + l.split(" ")[3]).toList();
        assertEquals(List.of("ca.stage source=cli", "ca.switch source=gateway", "ca.retire source=cli"), steps,
                audit.out());
        assertTrue(status.out().contains("rollover:    switched at "), status.out());
        assertTrue(status.out().contains("; 1 active agent holds a certificate from it (valid or within the renewal "
                + "grace)"), "only the host that is still off: " + status.out());
        Proc.Result verify = Proc.run("outpost-gateway", gateway.logs, "audit-verify", Map.of(), "audit", "verify",
                "--dir", gateway.dir.toString());
        assertEquals(0, verify.exit(), verify.toString());
        assertTrue(verify.out().matches("audit log intact: \\d+ entries, head [0-9a-f]{64}\\n"), verify.out());
        Proc.Result status = ca("status");
        assertTrue(status.out().contains("issuing CA:  " + CaPin.of(newCa)), status.out());
        assertTrue(status.out().contains("rollover:    none"), status.out());
        System.out.println("CA rollover e2e: " + Duration.ofNanos(finished - started).toSeconds() + " s");
    }

    @Test
    void runningAgentsNeverFailedAPushAndEveryBatchArrivedOnce() throws Exception {
        for (Agent a : running) {
            SinkBatches b = SinkBatches.of(gateway, a.id());
            assertTrue(b.duplicates.isEmpty(), a.name() + " stored twice: " + b.duplicates);
            assertEquals(List.of(), b.missing(b.sequences.first(), b.sequences.last()), a.name() + " has a gap");
            assertTrue(b.sequences.size() >= 30, a.name() + ": " + b.sequences.size() + " batches");
            String log = log(a.name());
            List<String> failures = log.lines().filter(l -> l.contains("push of") || l.contains("renewal failed"))
                    .filter(l -> !l.matches("\\d{4}-\\S+Z .*")
                            || !Instant.parse(l.substring(0, l.indexOf(' '))).isBefore(rolloverStart)).toList();
            assertEquals(List.of(), failures, "no push or renewal failed from the rollover on:\n" + log);
            assertTrue(count(log, "certificate renewed: serial ") >= 3, log);
            assertTrue(log.contains("trusting the CAs "), log);
            System.out.println("CA rollover e2e: " + a.name() + " renewed " + count(log, "certificate renewed: serial ")
                    + " times, " + b.sequences.size() + " batches");
        }
    }

    @Test
    void everyAgentEndsWithACertificateFromTheNewCa() throws Exception {
        for (Agent a : List.of(running.get(0), running.get(1), dormant)) {
            X509Certificate cert = Pem.readCertificates(a.state().resolve("agent.crt")).get(0);
            cert.verify(newCa.getPublicKey());
            assertEquals(newCa.getSubjectX500Principal(), cert.getIssuerX500Principal(), a.name());
        }
    }

    @Test
    void anAgentOffDuringTheStageAndTheSwitchCameBackThroughTheGrace() throws Exception {
        String log = log("dormant");
        assertTrue(log.contains("the certificate expired at "), log);
        assertTrue(log.contains("trusting the CAs "), "it followed the rollover at its renewal:\n" + log);
        assertTrue(log(gatewayLog()).contains("by " + dormant.id() + ": renewed serial "), "renewed");
        assertTrue(log(gatewayLog()).contains("(within the renewal grace: expired at "), "through the grace");
    }

    @Test
    void anAgentOffUntilTheOldCaWasRetiredSaysWhatToDo() {
        assertEquals(78, lateRun.exit(), lateRun.toString());
        assertTrue(lateRun.err().contains("the gateway presented CA " + CaPin.of(newCa)), lateRun.err());
        assertTrue(lateRun.err().contains("and this agent trusts only " + oldPin), lateRun.err());
        assertTrue(lateRun.err().contains("enroll this host again with a new token and the gateway's current pin "
                + "(`outpost-gateway pin`)"), lateRun.err());
        assertTrue(lateRun.err().contains("This host needs a new enrollment token: create one with `outpost-gateway "
                + "token create --org acme`"), lateRun.err());
    }

    String gatewayLog() {
        return "gateway-1";
    }

    static int count(String text, String what) {
        int n = 0;
        for (int i = text.indexOf(what); i >= 0; i = text.indexOf(what, i + 1)) {
            n++;
        }
        return n;
    }
}
