package dev.outpost.gateway.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;
import dev.outpost.wire.config.ConfigException;
import dev.outpost.wire.config.LogConfig;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import dev.outpost.gateway.ca.KeyType;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class GatewayConfigTest {
    /** The commented file shipped in packages; tests run in the module directory. */
    private static final Path SHIPPED = Path.of("../config/gateway.yaml");

    @TempDir
    Path dir;

    private Path write(String yaml) throws IOException {
        return Files.writeString(dir.resolve("gateway.yaml"), yaml);
    }

    private String errors(String yaml, Map<String, String> env) throws IOException {
        Path file = write(yaml);
        ConfigException e = assertThrows(ConfigException.class, () -> GatewayConfig.load(file, env));
        return e.getMessage().replace(file.toString(), "FILE");
    }

    @Test
    void shippedFileLoadsToTheDefaults() throws Exception {
        assertEquals(GatewayConfig.defaults(), GatewayConfig.load(SHIPPED, Map.of()));
    }

    @Test
    void shippedFileShowsEveryKeyAndItsVariable() throws Exception {
        String text = Files.readString(SHIPPED);
        JsonNode tree = new YAMLMapper().readTree(text);
        Map<String, String> variables = GatewayConfig.loader().environmentVariables();
        assertEquals(88, variables.size());
        variables.forEach((variable, path) -> {
            assertTrue(text.contains("# Env: " + variable), variable);
            assertFalse(tree.at("/" + path.replace('.', '/')).isMissingNode(), path);
        });
    }

    @Test
    void defaults() throws Exception {
        GatewayConfig c = GatewayConfig.load(write(""), Map.of());
        assertEquals(GatewayConfig.defaults(), c);
        assertEquals(new InetSocketAddress("0.0.0.0", 8443), c.est().listen());
        assertEquals(new InetSocketAddress("0.0.0.0", 4318), c.ingest().listen());
        assertEquals(4 * 1024 * 1024, c.ingest().maxBodyBytes());
        assertEquals(8 * 1024 * 1024, c.ingest().maxDecodedBytes());
        assertEquals("outpost.local", c.ca().trustDomain());
        assertEquals(Duration.ofHours(24), c.ca().agentCertValidity());
        assertEquals(List.of("localhost", "127.0.0.1"), c.serverCert().hostnames());
        assertEquals(1, c.tokens().defaultUses());
        assertEquals(Duration.ofHours(24), c.tokens().defaultExpiry());
        assertEquals(SinkType.FILE, c.sink().type());
        assertEquals(Path.of("metrics"), c.sink().file().dir());
        assertEquals(64L * 1024 * 1024, c.sink().file().maxFileBytes());
        assertEquals(100_000, c.sink().file().maxFiles());
        assertEquals(FileSinkConfig.Compression.GZIP, c.sink().file().compression());
        assertEquals("info", c.log().level());
    }

    @Test
    void readsTheFileInitWrites() throws Exception {
        GatewayConfig c = GatewayConfig.load(write("# Written by `outpost-gateway init`.\nserver_cert:\n  hostnames:\n"
                + "    - \"gw.example.com\"\n    - \"10.0.0.5\"\n    - \"::1\"\n"), Map.of());
        assertEquals(List.of("gw.example.com", "10.0.0.5", "::1"), c.serverCert().hostnames());
    }

    @Test
    void readsEverySection() throws Exception {
        GatewayConfig c = GatewayConfig.load(write("est:\n  listen: 127.0.0.1:0\n  rate_limits:\n    address_requests_per_second: 50\ningest:\n  listen: \"[::1]:0\"\n"
                + "  max_body_bytes: 1024\n  max_decoded_bytes: 2048\nca:\n  trust_domain: acme.example\n"
                + "  agent_cert_validity: 5m\n  key_types: [ec-p256, RSA]\n  same_key_renewal: allow\nserver_cert:\n"
                + "  hostnames: [gw.example.com]\ntokens:\n"
                + "  default_uses: 50\n  default_expiry: 7d\nsink:\n  type: FILE\n  file:\n    dir: /srv/metrics\n"
                + "    max_file_bytes: 1048576\n    max_files: 3\nlog:\n  level: warn\n"), Map.of());
        assertEquals(new GatewayConfig(new EstConfig(new InetSocketAddress("127.0.0.1", 0), 5,
                java.time.Duration.ofSeconds(10), EstConnectionsConfig.defaults(),
                new EstRateLimitsConfig(10, 50, 1000, 1)),
                new IngestConfig(new InetSocketAddress("::1", 0), 1024, 2048, IngestConfig.DEFAULT_MAX_INFLIGHT_BYTES,
                        null, null, null, null),
                new CaConfig("acme.example", Duration.ofMinutes(5), Duration.ofDays(7),
                        List.of(KeyType.EC_P256, KeyType.RSA), SameKeyRenewal.ALLOW),
                new ServerCertConfig(List.of("gw.example.com")),
                new TokensConfig(50, Duration.ofDays(7)),
                new SinkConfig(SinkType.FILE, new FileSinkConfig(Path.of("/srv/metrics"), 1L << 20,
                        FileSinkConfig.DEFAULT_MAX_FILE_AGE, FileSinkConfig.DEFAULT_MAX_TOTAL_BYTES, 0,
                        FileSinkConfig.DEFAULT_MAX_AGE, 3, FileSinkConfig.Compression.GZIP), null, null),
                null, new LogConfig("warn"), null), c);
        assertEquals(Path.of("/srv/metrics"), c.sink().file().dirIn(dir));
        assertEquals(dir.resolve("metrics"), FileSinkConfig.defaults().dirIn(dir));
    }

    @Test
    void environmentOverridesWithoutAFile() throws Exception {
        GatewayConfig c = GatewayConfig.defaults(Map.of(
                "OUTPOST_GATEWAY_EST_LISTEN", "127.0.0.1:0",
                "OUTPOST_GATEWAY_INGEST_LISTEN", "127.0.0.1:0",
                "OUTPOST_GATEWAY_SERVER_CERT_HOSTNAMES", "gw.example.com, 10.0.0.5",
                "OUTPOST_GATEWAY_SINK_FILE_MAX_FILES", "7",
                "OUTPOST_GATEWAY_DIR", "/srv/gw"));
        assertEquals(new InetSocketAddress("127.0.0.1", 0), c.est().listen());
        assertEquals(new InetSocketAddress("127.0.0.1", 0), c.ingest().listen());
        assertEquals(List.of("gw.example.com", "10.0.0.5"), c.serverCert().hostnames());
        assertEquals(7, c.sink().file().maxFiles());
    }

    @Test
    void badEnvironmentValueNamesTheVariable() throws Exception {
        assertEquals("environment OUTPOST_GATEWAY_EST_LISTEN: \"8443\" is not host:port; use e.g. \"0.0.0.0:8443\", "
                + "with an IPv6 address in brackets: \"[::]:8443\"",
                errors("", Map.of("OUTPOST_GATEWAY_EST_LISTEN", "8443")));
        ConfigException e = assertThrows(ConfigException.class,
                () -> GatewayConfig.defaults(Map.of("OUTPOST_GATEWAY_TOKENS_DEFAULT_USES", "0")));
        assertEquals("environment OUTPOST_GATEWAY_TOKENS_DEFAULT_USES: 0 is out of range; use a whole number between "
                + "1 and 1000000, e.g. 1", e.getMessage());
    }

    @Test
    void unknownKeySuggestsTheKnownOne() throws Exception {
        assertEquals("FILE:3: unknown key \"max_file\" in sink.file; did you mean \"max_files\"? "
                + "(known keys: dir, max_file_bytes, max_file_age, max_total_bytes, max_org_bytes, max_age, max_files, "
                + "compression)", errors("sink:\n  file:\n    max_file: 5\n", Map.of()));
    }

    @Test
    void wrongTypeNamesLine() throws Exception {
        assertEquals("FILE:2: ingest.max_body_bytes: \"4MiB\" is not a whole number; write digits only, without a unit",
                errors("ingest:\n  max_body_bytes: 4MiB\n", Map.of()));
    }

    @Test
    void failedAuthLimitsAreValidated() throws Exception {
        assertEquals(String.join("\n",
                "FILE:2: est.failed_auth_burst: 0 is out of range; use a whole number between 1 and 1000, e.g. 5",
                "FILE:3: est.failed_auth_refill: \"0s\" is out of range; use a duration between 1s and 1h, e.g. \"10s\""),
                errors("est:\n  failed_auth_burst: 0\n  failed_auth_refill: 0s\n", Map.of()));
        GatewayConfig c = GatewayConfig.defaults(Map.of("OUTPOST_GATEWAY_EST_FAILED_AUTH_BURST", "3",
                "OUTPOST_GATEWAY_EST_FAILED_AUTH_REFILL", "1m"));
        assertEquals(3, c.est().failedAuthBurst());
        assertEquals(Duration.ofMinutes(1), c.est().failedAuthRefill());
    }

    @Test
    void outOfRangeValuesNameLine() throws Exception {
        assertEquals(String.join("\n",
                "FILE:2: ingest.max_body_bytes: 100 is out of range; use a number of bytes between 1024 (1 KiB) and "
                        + "67108864 (64 MiB), e.g. 4194304 (4 MiB)",
                "FILE:4: ca.agent_cert_validity: \"60d\" is out of range; use a duration between 10s and 30d, e.g. \"1d\""),
                errors("ingest:\n  max_body_bytes: 100\nca:\n  agent_cert_validity: 60d\n", Map.of()));
    }

    @Test
    void theTlsProviderIsAutoJdkOrOpensslAndAnythingElseIsRefusedByName() throws Exception {
        assertEquals(TlsProvider.AUTO, GatewayConfig.defaults().tls().provider());
        assertEquals(TlsProvider.OPENSSL, GatewayConfig.load(write("tls:\n  provider: openssl\n"), Map.of()).tls()
                .provider());
        assertEquals(TlsProvider.JDK, GatewayConfig.defaults(Map.of("OUTPOST_GATEWAY_TLS_PROVIDER", "jdk")).tls()
                .provider());
        String e = errors("tls:\n  provider: boringssl\n", Map.of());
        assertTrue(e.contains(":2: tls.provider: \"boringssl\" is not one of auto, jdk, openssl"), e);
    }

    @Test
    void keyTypesAreNamedAndMustIncludeTheAgentsOwn() throws Exception {
        String e = errors("ca:\n  key_types: [rsa, ec-p384]\n  same_key_renewal: maybe\n", Map.of());
        assertTrue(e.contains(":2: ca.key_types: [rsa, ec-p384] leaves out ec-p256, the key type of Outpost's own "
                + "agent; list it, e.g. [ec-p256, ec-p384]"), e);
        assertTrue(e.contains(":3: ca.same_key_renewal: \"maybe\" is not one of refuse, allow"), e);
        ConfigException bad = assertThrows(ConfigException.class, () -> GatewayConfig.defaults(Map.of(
                "OUTPOST_GATEWAY_CA_KEY_TYPES", "ec-p256,dsa")));
        assertTrue(bad.getMessage().contains("\"dsa\" is not a key type; use ec-p256, ec-p384, rsa"), bad.getMessage());
        assertEquals(List.of(KeyType.EC_P256, KeyType.RSA), GatewayConfig.defaults(Map.of(
                "OUTPOST_GATEWAY_CA_KEY_TYPES", "ec-p256,rsa")).ca().keyTypes());
        assertEquals(SameKeyRenewal.REFUSE, GatewayConfig.defaults().ca().sameKeyRenewal());
        assertEquals(List.of(KeyType.EC_P256, KeyType.EC_P384), GatewayConfig.defaults().ca().keyTypes());
    }

    @Test
    void listenersMustNotShareAPort() throws Exception {
        assertEquals("FILE:4: ingest.listen: \"127.0.0.1:8443\" uses the same port as est.listen (\"0.0.0.0:8443\"); "
                + "give the two listeners different ports", errors("est:\n  listen: 0.0.0.0:8443\ningest:\n"
                        + "  listen: 127.0.0.1:8443\n", Map.of()));
        GatewayConfig.load(write("est:\n  listen: 127.0.0.1:8443\ningest:\n  listen: 127.0.0.2:8443\n"), Map.of());
    }

    @Test
    void reportsEveryErrorAtOnce() throws Exception {
        assertEquals(String.join("\n",
                "FILE:2: est.listen: \"0.0.0.0:99999\" has port 99999, out of range 0..65535",
                "FILE:4: ca.trust_domain: \"Outpost Local\" is not a valid trust domain; use lower-case letters, "
                        + "digits, \".\", \"-\" and \"_\", e.g. \"outpost.local\"",
                "FILE:6: server_cert.hostnames: \"https://gw:8443\" is not a DNS name or IP address; write names only, "
                        + "without scheme or port, e.g. gateway.example.com",
                "FILE:8: sink.type: \"kafka\" is not one of file, prometheus_remote_write, otlp",
                "FILE:9: tokens: expected a mapping with the keys default_uses, default_expiry; found \"5\""),
                errors("est:\n  listen: 0.0.0.0:99999\nca:\n  trust_domain: Outpost Local\nserver_cert:\n"
                        + "  hostnames: [gw.example.com, \"https://gw:8443\"]\nsink:\n  type: kafka\ntokens: 5\n", Map.of()));
    }

    @Test
    void serverCertNeedsANameAndMissingFileSaysHowToCreateOne() throws Exception {
        assertEquals("FILE:2: server_cert.hostnames: is empty; list the names agents use to reach the gateway, "
                + "e.g. [gateway.example.com]", errors("server_cert:\n  hostnames: []\n", Map.of()));
        Path missing = dir.resolve("nope.yaml");
        ConfigException e = assertThrows(ConfigException.class, () -> GatewayConfig.load(missing, Map.of()));
        assertEquals(missing + ": no such file; run `outpost-gateway init`, or copy config/gateway.yaml "
                + "(the commented example shipped with Outpost) there", e.getMessage());
    }

    @Test
    void postgresqlStateNeedsItsSettingsAndKeepsThePasswordOutOfTheYaml() throws Exception {
        assertEquals("FILE:1: state.postgresql.url: missing; state.type postgresql needs the database's JDBC URL, e.g. "
                + "\"jdbc:postgresql://db.example.net:5432/outpost?sslmode=verify-full\"\n"
                + "FILE:1: state.postgresql.user: missing; state.type postgresql needs the role to log in as, e.g. "
                + "\"outpost_gateway\"\n"
                + "FILE:1: state.postgresql.password_file: missing; state.type postgresql needs the role's password in "
                + "a file (0600) or a systemd credential, e.g. \"$CREDENTIALS_DIRECTORY/outpost-postgresql\"",
                errors("state:\n  type: postgresql\n", Map.of()));
        String bad = errors("state:\n  type: postgresql\n  postgresql:\n"
                + "    url: jdbc:postgresql://gw:s3cret@db:5432/outpost\n    user: gw\n    password: s3cret\n", Map.of());
        assertTrue(bad.contains("unknown key \"password\""), bad);
        Path world = dir.resolve("pw");
        Files.writeString(world, "s3cret\n");
        Files.setPosixFilePermissions(world, java.nio.file.attribute.PosixFilePermissions.fromString("rw-r--r--"));
        String perms = errors("state:\n  type: postgresql\n  postgresql:\n    url: jdbc:postgresql://db:5432/outpost\n"
                + "    user: gw\n    password_file: " + world + "\n", Map.of());
        assertTrue(perms.contains("holds a secret but others may read it; chmod 600"), perms);
        assertFalse(perms.contains("s3cret"), perms);
        String url = errors("state:\n  type: postgresql\n  postgresql:\n    url: jdbc:postgresql://db/o?password=s3cret\n"
                + "    user: gw\n", Map.of());
        assertTrue(url.contains("must not contain a password or user; set user and password_file instead"), url);
        Files.setPosixFilePermissions(world, java.nio.file.attribute.PosixFilePermissions.fromString("rw-------"));
        GatewayConfig ok = GatewayConfig.defaults(Map.of("OUTPOST_GATEWAY_STATE_TYPE", "postgresql",
                "OUTPOST_GATEWAY_STATE_POSTGRESQL_URL", "jdbc:postgresql://db:5432/outpost",
                "OUTPOST_GATEWAY_STATE_POSTGRESQL_USER", "outpost_gateway",
                "OUTPOST_GATEWAY_STATE_POSTGRESQL_PASSWORD_FILE", world.toString()));
        assertEquals("s3cret", ok.state().postgresql().password());
        assertEquals(StateType.SQLITE, GatewayConfig.defaults().state().type());
    }
}
