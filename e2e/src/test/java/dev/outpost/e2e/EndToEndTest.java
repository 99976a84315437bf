package dev.outpost.e2e;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;

/**
 * The walking skeleton, as a user runs it: init, token, enroll, run; then what arrives in the file sink, what
 * the agent holds open, and what its logs say.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class EndToEndTest {
    /**
     * What a real agent sends from any host: every default metric of the hostmetrics receiver's cpu, load, memory,
     * paging, disk, filesystem, network and processes scrapers (but system.paging.usage, which exists only where
     * there is swap), plus system.uptime and some of the agent's own health.
     */
    static final List<String> REQUIRED = List.of("system.cpu.time", "system.cpu.load_average.1m",
            "system.cpu.load_average.5m", "system.cpu.load_average.15m", "system.memory.usage",
            "system.paging.operations", "system.paging.faults", "system.filesystem.usage",
            "system.filesystem.inodes.usage", "system.disk.io", "system.disk.operations", "system.disk.io_time",
            "system.disk.operation_time", "system.disk.weighted_io_time", "system.disk.pending_operations",
            "system.disk.merged", "system.network.io", "system.network.packets", "system.network.errors",
            "system.network.dropped", "system.network.connections", "system.processes.count",
            "system.processes.created", "system.uptime", "outpost.agent.queue.batches",
            "outpost.agent.collection.duration", "outpost.agent.certificate.expires_in");
    @TempDir
    static Path root;
    Gateway gateway;
    String token;
    Path agentDir;
    Path config;
    Proc agent;
    String agentId;
    long agentPid;
    List<Sockets.Socket> agentSockets;
    int agentExit;
    String agentCmdline;
    Proc.Result secondAgent;
    Proc.Result enrollWhileRunning;

    @BeforeAll
    void enrollAndRun() throws Exception {
        gateway = Gateway.start(root);
        token = gateway.createToken("acme", 1);
        agentDir = root.resolve("agent");
        Files.createDirectories(agentDir);
        Path tokenFile = agentDir.resolve("token");
        Files.writeString(tokenFile, token + "\n");
        Files.setPosixFilePermissions(tokenFile, PosixFilePermissions.fromString("rw-------"));
        config = agentDir.resolve("agent.yaml");
        Files.writeString(config, "server: " + gateway.estUrl() + "\ningest_url: " + gateway.ingestUrl()
                + "\nstate_dir: " + agentDir.resolve("state") + "\ninterval: 1s\nlabels:\n  env: e2e\n");
        Proc.Result enroll = Proc.run("outpost-agent", gateway.logs, "enroll", Map.of(), "enroll", "--config",
                config.toString(), "--server", gateway.estUrl(), "--ca-sha256", gateway.pin, "--token-file",
                tokenFile.toString());
        assertEquals(0, enroll.exit(), enroll.toString());
        Matcher m = Pattern.compile("enrolled as (a-[0-9a-f]{16}) \\(org acme\\)").matcher(enroll.out());
        assertTrue(m.find(), enroll.out());
        agentId = m.group(1);

        agent = Proc.start("outpost-agent", gateway.logs, "agent", Map.of(), "run", "--config", config.toString());
        agentPid = agent.pid();
        Proc.await(() -> metricsFromAgent().containsAll(REQUIRED), Duration.ofSeconds(90),
                "every required metric from " + agentId);
        agentSockets = Sockets.of(agentPid);
        secondAgent = Proc.run("outpost-agent", gateway.logs, "agent-second", Map.of(), "run", "--config",
                config.toString());
        enrollWhileRunning = Proc.run("outpost-agent", gateway.logs, "enroll-while-running", Map.of(), "enroll",
                "--force", "--config", config.toString(), "--ca-sha256", gateway.pin, "--token-file", tokenFile.toString());
        agentCmdline = Files.readString(Path.of("/proc", Long.toString(agentPid), "cmdline")).replace('\0', ' ');
        agentExit = agent.stop();
    }

    @AfterAll
    void stop() throws Exception {
        if (agent != null) {
            agent.close();
        }
        if (gateway != null) {
            gateway.close();
        }
    }

    Set<String> metricsFromAgent() {
        Set<String> names = new HashSet<>();
        try {
            ObjectMapper json = new ObjectMapper();
            for (String line : gateway.sinkLines()) {
                JsonNode n = json.readTree(line);
                if (n.path("agent").asText().equals(agentId)) {
                    names.add(n.path("metric").asText());
                }
            }
        } catch (Exception e) {
            return names;
        }
        return names;
    }

    @Test
    void everyRequiredMetricArrivesStampedWithOrgAgentAndHost() throws Exception {
        ObjectMapper json = new ObjectMapper();
        String host = Files.readString(Path.of("/proc/sys/kernel/hostname")).strip();
        int rows = 0;
        for (String line : gateway.sinkLines()) {
            JsonNode n = json.readTree(line);
            if (!n.path("agent").asText().equals(agentId)) {
                continue;
            }
            rows++;
            assertEquals("acme", n.path("org").asText(), line);
            assertEquals(host, n.path("host").asText(), line);
            for (String field : List.of("time", "metric", "kind", "unit", "attributes", "value", "batch")) {
                assertTrue(n.has(field), "field " + field + " in " + line);
            }
            assertTrue(n.path("batch").asText().startsWith(agentId + ":"), line);
            assertEquals("e2e", n.path("resource").path("env").asText(), "the configured label: " + line);
            assertEquals("outpost-agent", n.path("resource").path("service.name").asText(), line);
        }
        assertTrue(rows > REQUIRED.size(), "rows from the agent: " + rows);
        assertTrue(metricsFromAgent().containsAll(REQUIRED));
    }

    @Test
    void cpuTimeIsAPositiveCumulativeSumPerCpuAndState() throws Exception {
        ObjectMapper json = new ObjectMapper();
        boolean seen = false;
        for (String line : gateway.sinkLines()) {
            JsonNode n = json.readTree(line);
            if (n.path("metric").asText().equals("system.cpu.time") && n.path("agent").asText().equals(agentId)) {
                assertEquals("sum", n.path("kind").asText());
                assertEquals("s", n.path("unit").asText());
                assertTrue(n.path("attributes").has("cpu") && n.path("attributes").has("state"), line);
                seen |= n.path("value").asDouble() > 0;
            }
        }
        assertTrue(seen, "some CPU time was spent on this host");
    }

    @Test
    void levelsArriveAsSumsAndTheAgentsTimersAsHistograms() throws Exception {
        ObjectMapper json = new ObjectMapper();
        Map<String, String> kinds = new java.util.TreeMap<>();
        for (String line : gateway.sinkLines()) {
            JsonNode n = json.readTree(line);
            if (n.path("agent").asText().equals(agentId)) {
                kinds.put(n.path("metric").asText(), n.path("kind").asText() + " " + n.path("unit").asText());
            }
        }
        assertEquals("sum By", kinds.get("system.memory.usage"), "a non-monotonic sum, not a gauge");
        assertEquals("sum By", kinds.get("system.filesystem.usage"));
        assertEquals("sum {processes}", kinds.get("system.processes.count"));
        assertEquals("gauge {thread}", kinds.get("system.cpu.load_average.1m"));
        assertEquals("histogram s", kinds.get("outpost.agent.collection.duration"));
        assertEquals("gauge s", kinds.get("outpost.agent.certificate.expires_in"));
        assertFalse(kinds.containsKey("system.process.count"), "the old name is gone");
    }

    @Test
    void theAgentHeldNoListeningSocketWhilePushing() {
        assertFalse(agentSockets.isEmpty(), "the check must see the agent's connection to the gateway");
        assertTrue(agentSockets.stream().anyMatch(s -> s.table().startsWith("tcp") && s.state().equals("01")),
                "an established TCP connection: " + agentSockets);
        assertEquals(List.of(), agentSockets.stream().filter(Sockets.Socket::listening).toList());
        assertTrue(agentCmdline.contains("-XX:+DisableAttachMechanism"), agentCmdline);
    }

    @Test
    void theAgentConnectsToTheGatewaysTwoEndpointsOnly() {
        List<Sockets.Socket> connected = agentSockets.stream().filter(s -> s.table().startsWith("tcp")).toList();
        assertFalse(connected.isEmpty(), "the check must see the agent's connection to the gateway");
        for (Sockets.Socket s : connected) {
            assertTrue(s.remotePort() == gateway.estPort || s.remotePort() == gateway.ingestPort,
                    "a connection to neither the EST port " + gateway.estPort + " nor the ingest port "
                            + gateway.ingestPort + ": " + s);
        }
    }

    @Test
    void sigtermStopsTheAgentCleanly() throws Exception {
        assertEquals(0, agentExit, "SIGTERM is a clean stop: exit 0");
        assertTrue(agent.err().contains("agent stopped;"), agent.err());
    }

    @Test
    void keysAreOwnerOnlyAndSecretsAreInNoLog() throws Exception {
        Path state = agentDir.resolve("state");
        assertEquals("rw-------", PosixFilePermissions.toString(Files.getPosixFilePermissions(state.resolve("agent.key"))));
        assertEquals("rwx------", PosixFilePermissions.toString(Files.getPosixFilePermissions(state)));
        String secret = token.substring(token.lastIndexOf('_') + 1);
        String keyPem = Files.readString(state.resolve("agent.key"));
        assertTrue(keyPem.startsWith("-----BEGIN PRIVATE KEY-----\n"), "a PKCS#8 key: " + keyPem.lines().findFirst());
        String keyBody = keyPem.lines().filter(l -> !l.startsWith("-----")).reduce("", String::concat);
        byte[] keyDer = java.util.Base64.getDecoder().decode(keyBody);
        String secretPart = base64OfScalar(keyBody, keyDer);
        try (var files = Files.list(gateway.logs)) {
            for (Path log : files.toList()) {
                String text = Files.readString(log);
                if (log.getFileName().toString().startsWith("token-")) {
                    continue; // `token create` prints the token once, by design
                }
                assertFalse(text.contains(secret), "token secret in " + log);
                assertFalse(text.contains(secretPart), "private key in " + log);
            }
        }
        // the gateway keeps no clear token secret anywhere in its directory, and nothing of the agent's private key
        // (in PEM or DER), which never left the host
        try (var files = Files.walk(gateway.dir)) {
            for (Path f : files.filter(Files::isRegularFile).toList()) {
                String content = new String(Files.readAllBytes(f), java.nio.charset.StandardCharsets.ISO_8859_1);
                assertFalse(content.contains(secret), "token secret stored in " + f);
                assertFalse(content.contains(secretPart), "agent private key (PEM) in " + f);
                assertFalse(content.contains(new String(keyDer, java.nio.charset.StandardCharsets.ISO_8859_1)),
                        "agent private key (DER) in " + f);
            }
        }
    }

    /**
     * 40 characters of the PEM body that encode the private scalar alone: the DER bytes around it are the same in
     * every P-256 key (the gateway's own key has them too), so a search for them would find any key.
     */
    private static String base64OfScalar(String keyBody, byte[] der) throws Exception {
        java.math.BigInteger s = ((java.security.interfaces.ECPrivateKey) java.security.KeyFactory.getInstance("EC")
                .generatePrivate(new java.security.spec.PKCS8EncodedKeySpec(der))).getS();
        byte[] scalar = new byte[32];
        byte[] raw = s.toByteArray();
        int n = Math.min(raw.length, 32);
        System.arraycopy(raw, raw.length - n, scalar, 32 - n, n);
        for (int at = 0; at + 32 <= der.length; at++) {
            if (java.util.Arrays.equals(der, at, at + 32, scalar, 0, 32)) {
                int aligned = (at + 2) / 3 * 3; // a base64 group starts here, at most 2 bytes into the scalar
                return keyBody.substring(aligned / 3 * 4, aligned / 3 * 4 + 40);
            }
        }
        throw new AssertionError("the private scalar is not in the key's DER");
    }

    @Test
    void statusReadsTheStateFileAfterTheDaemonStopped() throws Exception {
        Proc.Result r = Proc.run("outpost-agent", gateway.logs, "status", Map.of(), "status", "--config",
                config.toString());
        assertEquals(0, r.exit(), r.toString());
        assertTrue(r.out().contains("agent:        " + agentId + " (org acme)"), r.out());
        assertTrue(r.out().contains("daemon:       not running"), r.out());
        // 24 h certificates: renewal is planned between 12 h and 16.8 h after issue (50-70% of the lifetime).
        Matcher m = Pattern.compile("certificate:  valid until (\\S+); renewal due (\\S+), 0 renewal failures")
                .matcher(r.out());
        assertTrue(m.find(), r.out());
        java.time.Instant expiry = java.time.Instant.parse(m.group(1));
        java.time.Instant due = java.time.Instant.parse(m.group(2));
        java.time.Duration before = java.time.Duration.between(due, expiry);
        assertTrue(before.compareTo(java.time.Duration.ofHours(7)) >= 0
                && before.compareTo(java.time.Duration.ofHours(13)) <= 0, "renewal " + before + " before expiry");
    }

    @Test
    void aSecondAgentOnTheSameStateDirectoryRefusesToRunAndNamesTheFirst() {
        assertEquals(75, secondAgent.exit(), secondAgent.toString());
        assertEquals("outpost-agent: another outpost-agent (pid " + agentPid + ") is running with the state directory "
                + agentDir.resolve("state") + "; stop it first, or give this one its own state_dir\n",
                secondAgent.err().lines().filter(l -> l.startsWith("outpost-agent:")).findFirst().orElse("") + "\n");
    }

    @Test
    void enrollingAgainWhileTheDaemonRunsIsRefusedAndChangesNothing() {
        assertEquals(75, enrollWhileRunning.exit(), enrollWhileRunning.toString());
        assertEquals("outpost-agent: cannot enroll now: another outpost-agent (pid " + agentPid + ") is running with the "
                + "state directory " + agentDir.resolve("state") + "; stop it first, or give this one its own state_dir\n",
                enrollWhileRunning.err());
    }

    @Test
    void enrollingAgainIsANoOpThatSaysSo() throws Exception {
        Proc.Result r = Proc.run("outpost-agent", gateway.logs, "enroll-again", Map.of(), "enroll", "--config",
                config.toString(), "--ca-sha256", gateway.pin, "--token-file", "/nonexistent");
        assertEquals(0, r.exit(), r.toString());
        assertTrue(r.out().startsWith("already enrolled as " + agentId + " (org acme)"), r.out());
    }
}
