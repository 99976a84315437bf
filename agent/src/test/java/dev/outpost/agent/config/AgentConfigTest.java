package dev.outpost.agent.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;
import dev.outpost.agent.collect.FilesystemFilter;
import dev.outpost.wire.config.ConfigException;
import dev.outpost.wire.config.InvalidConfigException;
import dev.outpost.wire.config.LogConfig;
import java.io.IOException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class AgentConfigTest {
    /** The commented file shipped in packages; tests run in the module directory. */
    private static final Path SHIPPED = Path.of("../config/agent.yaml");
    private static final String SERVER = "server: https://gw.example.com:8443\n";
    private static final URI GW = URI.create("https://gw.example.com:8443");

    @TempDir
    Path dir;

    private Path write(String yaml) throws IOException {
        return Files.writeString(dir.resolve("agent.yaml"), yaml);
    }

    private String errors(String yaml, Map<String, String> env) throws IOException {
        Path file = write(yaml);
        ConfigException e = assertThrows(ConfigException.class, () -> AgentConfig.load(file, env));
        return e.getMessage().replace(file.toString(), "FILE");
    }

    @Test
    void shippedFileLoadsToTheDefaultsWithItsExampleServer() throws Exception {
        assertEquals(AgentConfig.defaults(URI.create("https://gateway.example.com:8443")),
                AgentConfig.load(SHIPPED, Map.of()));
    }

    @Test
    void shippedFileShowsEveryKeyAndItsVariable() throws Exception {
        String text = Files.readString(SHIPPED);
        JsonNode tree = new YAMLMapper().readTree(text);
        Map<String, String> variables = AgentConfig.loader().environmentVariables();
        assertEquals(19, variables.size());
        variables.forEach((variable, path) -> {
            assertTrue(text.contains("# Env: " + variable), variable);
            assertFalse(tree.at("/" + path.replace('.', '/')).isMissingNode(), path);
        });
    }

    @Test
    void defaults() {
        AgentConfig c = AgentConfig.defaults(GW);
        assertEquals(URI.create("https://gw.example.com:4318/v1/metrics"), c.ingestUrl());
        assertEquals(Path.of("/var/lib/outpost-agent"), c.stateDir());
        assertEquals(Duration.ofSeconds(10), c.interval());
        assertEquals(Map.of(), c.labels());
        assertEquals(FilesystemFilter.DEFAULT_EXCLUDE_TYPES, c.collect().filesystems().excludeTypes());
        assertEquals(List.of(), c.collect().filesystems().includeMountPoints());
        assertEquals(Duration.ofSeconds(10), c.push().timeout());
        assertEquals(8, c.push().maxInFlight());
        assertEquals(Duration.ofSeconds(1), c.push().backoffInitial());
        assertEquals(Duration.ofMinutes(2), c.push().backoffMax());
        assertEquals(Duration.ofMinutes(10), c.push().retryAfterMax());
        assertEquals(256L << 20, c.queue().maxBytes());
        assertEquals(64L << 20, c.queue().minFreeBytes());
        assertEquals("info", c.log().level());
    }

    @Test
    void emptyFileNeedsOnlyTheServer() throws Exception {
        assertEquals("FILE: server: missing; set it to the gateway's URL, e.g. \"https://gateway.example.com:8443\"",
                errors("", Map.of()));
        assertEquals(AgentConfig.defaults(GW),
                AgentConfig.load(write("# nothing yet\n"), Map.of("OUTPOST_AGENT_SERVER", GW.toString())));
    }

    @Test
    void ingestUrlIsDerivedFromServerUnlessSet() throws Exception {
        assertEquals(URI.create("https://[2001:db8::1]:4318/v1/metrics"),
                AgentConfig.load(write("server: https://[2001:db8::1]:8443/base\n"), Map.of()).ingestUrl());
        assertEquals(URI.create("https://ingest.example.com/otlp/v1/metrics"), AgentConfig.load(
                write(SERVER + "ingest_url: https://ingest.example.com/otlp/v1/metrics\n"), Map.of()).ingestUrl());
    }

    @Test
    void readsEverySection() throws Exception {
        AgentConfig c = AgentConfig.load(write(SERVER + "state_dir: /srv/outpost\ninterval: 30s\n"
                + "labels: {env: prod, rack.row: \"7\"}\n"
                + "collect:\n  filesystems:\n    exclude_types: [tmpfs]\n    exclude_mount_points: [/var/lib/docker/*]\n"
                + "queue:\n  max_bytes: 1048576\n  min_free_bytes: 0\n"
                + "push:\n  timeout: 1m\n  max_in_flight: 2\n  backoff_initial: 500ms\n  backoff_max: 30s\n"
                + "  retry_after_max: 1m\n  reconnect_spread: 0s\nlog:\n  level: DEBUG\n"), Map.of());
        assertEquals(new AgentConfig(GW, null, Path.of("/srv/outpost"), Duration.ofSeconds(30),
                Map.of("env", "prod", "rack.row", "7"),
                new CollectConfig(new FilesystemsConfig(List.of("tmpfs"), null, List.of("/var/lib/docker/*"), null)),
                new QueueConfig(1 << 20, 0),
                new PushConfig(Duration.ofMinutes(1), 2, Duration.ofMillis(500), Duration.ofSeconds(30),
                        Duration.ofMinutes(1), Duration.ZERO), new LogConfig("debug")), c);
        assertFalse(c.collect().filesystems().toFilter().accepts("ext4", "/var/lib/docker/overlay2"));
        assertTrue(c.collect().filesystems().toFilter().accepts("ext4", "/var/lib"));
    }

    @Test
    void unknownKeySuggestsTheKnownOne() throws Exception {
        assertEquals("FILE:2: unknown key \"intervall\"; did you mean \"interval\"? (known keys: server, ingest_url, "
                + "state_dir, interval, labels, collect, queue, push, log, fallback_servers)",
                errors(SERVER + "intervall: 5s\n", Map.of()));
    }

    @Test
    void wrongTypeNamesLine() throws Exception {
        assertEquals("FILE:3: push.max_in_flight: \"many\" is not a whole number; write digits only, without a unit",
                errors(SERVER + "push:\n  max_in_flight: many\n", Map.of()));
    }

    @Test
    void outOfRangeDurationNamesLine() throws Exception {
        assertEquals("FILE:2: interval: \"0s\" is out of range; use a duration between 1s and 1h, e.g. \"10s\"",
                errors(SERVER + "interval: 0s\n", Map.of()));
        assertEquals("FILE:3: push.timeout: \"10m\" is out of range; use a duration between 1s and 5m, e.g. \"10s\"",
                errors(SERVER + "push:\n  timeout: 10m\n", Map.of()));
    }

    @Test
    void badUrls() throws Exception {
        assertEquals("FILE:1: server: \"http://gw.example.com:8443\" is not an https URL; "
                + "use e.g. \"https://gateway.example.com:8443\"", errors("server: http://gw.example.com:8443\n", Map.of()));
        assertEquals("FILE:2: ingest_url: \"https:/v1/metrics\" has no valid host name; "
                + "use e.g. \"https://gateway.example.com:4318/v1/metrics\"",
                errors(SERVER + "ingest_url: https:/v1/metrics\n", Map.of()));
    }

    @Test
    void relativeStateDirIsRejected() throws Exception {
        assertEquals("FILE:2: state_dir: \"state\" is not an absolute path; use e.g. \"/var/lib/outpost-agent\"",
                errors(SERVER + "state_dir: state\n", Map.of()));
    }

    @Test
    void environmentOverridesTheFile() throws Exception {
        AgentConfig c = AgentConfig.load(write(SERVER + "interval: 1m\nlabels: {env: dev}\n"), Map.of(
                "OUTPOST_AGENT_INTERVAL", "2s",
                "OUTPOST_AGENT_PUSH_TIMEOUT", "5s",
                "OUTPOST_AGENT_COLLECT_FILESYSTEMS_EXCLUDE_TYPES", "tmpfs,proc",
                "OUTPOST_AGENT_LABELS", "env=prod,team=db",
                "OUTPOST_AGENT_INGEST_URL", "https://ingest.example.com:443/v1/metrics"));
        assertEquals(Duration.ofSeconds(2), c.interval());
        assertEquals(Duration.ofSeconds(5), c.push().timeout());
        assertEquals(List.of("tmpfs", "proc"), c.collect().filesystems().excludeTypes());
        assertEquals(Map.of("env", "prod", "team", "db"), c.labels());
        assertEquals(URI.create("https://ingest.example.com:443/v1/metrics"), c.ingestUrl());
    }

    @Test
    void badEnvironmentValueNamesTheVariable() throws Exception {
        assertEquals("environment OUTPOST_AGENT_INTERVAL: \"abc\" is not a duration; use e.g. \"10s\"",
                errors(SERVER, Map.of("OUTPOST_AGENT_INTERVAL", "abc")));
    }

    @Test
    void labelKeysAreCheckedAndOutpostPrefixIsReserved() throws Exception {
        assertEquals(String.join("\n",
                "FILE:2: labels: \"Team\" is not a valid label key; use lower-case letters, digits, \"_\" and \".\", "
                        + "e.g. \"team\"",
                "FILE:2: labels: \"outpost.org.id\" is reserved: the gateway sets outpost.* attributes from the "
                        + "agent's certificate; choose a key outside outpost.",
                "FILE:2: labels: \"env\" has no value; write env: VALUE or remove it"),
                errors(SERVER + "labels:\n  Team: db\n  outpost.org.id: acme\n  env:\n  outpostal: ok\n", Map.of()));
        assertEquals("environment OUTPOST_AGENT_LABELS: \"outpost.agent.id\" is reserved: the gateway sets outpost.* "
                + "attributes from the agent's certificate; choose a key outside outpost.",
                errors(SERVER, Map.of("OUTPOST_AGENT_LABELS", "outpost.agent.id=x")));
    }

    @Test
    void filesystemEntriesAreChecked() throws Exception {
        assertEquals("FILE:4: collect.filesystems.exclude_mount_points: \"var/lib\" is not an absolute path; use a path "
                + "like \"/var/lib/docker\" or a glob like \"/var/lib/docker/*\"",
                errors(SERVER + "collect:\n  filesystems:\n    exclude_mount_points: [var/lib]\n", Map.of()));
    }

    @Test
    void reportsEveryErrorAtOnce() throws Exception {
        assertEquals(String.join("\n",
                "FILE:1: server: \"https://gw.example.com:99999\" has port 99999, out of range 1..65535; "
                        + "use e.g. \"https://gateway.example.com:8443\"",
                "FILE:2: interval: \"2h\" is out of range; use a duration between 1s and 1h, e.g. \"10s\"",
                "FILE:4: unknown key \"timout\" in push; did you mean \"timeout\"? (known keys: timeout, max_in_flight, "
                        + "backoff_initial, backoff_max, retry_after_max, reconnect_spread)",
                "FILE:5: push.max_in_flight: 0 is out of range; use a whole number between 1 and 64, e.g. 8",
                "FILE:7: log.level: \"verbose\" is not one of error, warn, info, debug",
                "environment OUTPOST_AGENT_PUSH_TIMEOUT: \"1\" is not a duration; use e.g. \"10s\""),
                errors("server: https://gw.example.com:99999\ninterval: 2h\npush:\n  timout: 5s\n  max_in_flight: 0\n"
                        + "log:\n  level: verbose\n", Map.of("OUTPOST_AGENT_PUSH_TIMEOUT", "1")));
    }

    @Test
    void constructorRejectsBadValuesNamingThem() {
        InvalidConfigException e = assertThrows(InvalidConfigException.class,
                () -> new PushConfig(Duration.ofMillis(10), 0, Duration.ofSeconds(2), Duration.ofSeconds(1),
                        Duration.ofMinutes(1), Duration.ofHours(1)));
        assertEquals("timeout: \"10ms\" is out of range; use a duration between 1s and 5m, e.g. \"10s\"; "
                + "max_in_flight: 0 is out of range; use a whole number between 1 and 64, e.g. 8; "
                + "reconnect_spread: \"1h\" is out of range; use a duration between 1s and 10m, e.g. \"10s\"; "
                + "backoff_max: \"1s\" is below backoff_initial \"2s\"; make it at least as long",
                e.getMessage());
        assertThrows(InvalidConfigException.class, () -> AgentConfig.defaults(null));
    }

    @Test
    void fallbackServersAreTriedAfterTheServerEachWithItsIngestPort() throws Exception {
        AgentConfig c = AgentConfig.load(write("server: https://gw1.example.com:8443\n"), Map.of(
                "OUTPOST_AGENT_FALLBACK_SERVERS", "https://gw2.example.com:8443,https://gw3.example.com:9443"));
        assertEquals(List.of(URI.create("https://gw1.example.com:8443"), URI.create("https://gw2.example.com:8443"),
                URI.create("https://gw3.example.com:9443")), c.servers());
        assertEquals(List.of(URI.create("https://gw1.example.com:4318/v1/metrics"),
                URI.create("https://gw2.example.com:4318/v1/metrics"),
                URI.create("https://gw3.example.com:4318/v1/metrics")), c.ingestUrls());
        String e = errors("server: https://gw1.example.com:8443\nfallback_servers: [http://gw2.example.com:8443]\n",
                Map.of());
        assertTrue(e.contains("fallback_servers"), e);
    }
}
