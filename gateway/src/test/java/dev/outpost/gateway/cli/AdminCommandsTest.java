package dev.outpost.gateway.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.outpost.gateway.ca.AgentIdentity;
import dev.outpost.gateway.ca.CertificateAuthority;
import dev.outpost.gateway.store.AuditLog;
import dev.outpost.gateway.store.Database;
import dev.outpost.gateway.store.Enrollments;
import dev.outpost.gateway.store.TokenHasher;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.Statement;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.HexFormat;
import java.util.Map;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code token list|revoke}, {@code agent list|revoke} and {@code audit list|verify} as an operator sees them. */
class AdminCommandsTest {
    static final Clock CLOCK = Clock.fixed(Instant.parse("2026-11-22T10:00:00Z"), ZoneOffset.UTC);
    @TempDir
    Path dir;
    ByteArrayOutputStream out;
    ByteArrayOutputStream err;
    int code;

    @BeforeEach
    void init() {
        assertEquals(0, run("init", "--dir", dir.toString()), err.toString());
    }

    int run(String... args) {
        out = new ByteArrayOutputStream();
        err = new ByteArrayOutputStream();
        code = new GatewayCli(new PrintStream(out, true, StandardCharsets.UTF_8),
                new PrintStream(err, true, StandardCharsets.UTF_8), Map.of(), CLOCK).run(args);
        return code;
    }

    String stdout() {
        return out.toString(StandardCharsets.UTF_8);
    }

    /** Creates a token with the CLI and returns its id. */
    String createToken(String org) {
        assertEquals(0, run("token", "create", "--dir", dir.toString(), "--org", org));
        String line = stdout().lines().filter(l -> l.startsWith("token: ")).findFirst().orElseThrow();
        return line.substring("token: opt_".length(), "token: opt_".length() + 12);
    }

    /** Enrolls a host with a token the way the EST handler does; returns the agent id. */
    AgentIdentity enroll(String tokenId, String secret, String host) throws Exception {
        SecureRandom random = new SecureRandom();
        CertificateAuthority ca = CertificateAuthority.generate("t", Duration.ofDays(1), CLOCK, random);
        AtomicReference<AgentIdentity> id = new AtomicReference<>();
        java.security.PublicKey key = CertificateAuthority.newKeyPair(random).getPublic();
        try (Database db = Database.open(dir.resolve("state.db"))) {
            new Enrollments(db, TokenHasher.loadOrCreate(dir.resolve("token-pepper"), random), CLOCK, random)
                    .enroll(tokenId, secret, host, "192.0.2.7", key, i -> {
                        id.set(i);
                        return ca.issueAgent(key, i, "outpost.local", Duration.ofHours(24));
                    });
        }
        return id.get();
    }


    @Test
    void tokensAreListedWithoutSecretAndRevokedOneOrByOrg() throws Exception {
        assertEquals(0, run("token", "create", "--dir", dir.toString(), "--org", "acme", "--uses", "3"));
        String whole = stdout().lines().filter(l -> l.startsWith("token: ")).findFirst().orElseThrow().substring(7);
        String id = whole.substring(4, 16);
        String secret = whole.substring(17);
        enroll(id, secret, "web-1");
        String other = createToken("acme");
        String globex = createToken("globex");

        assertEquals(0, run("token", "list", "--dir", dir.toString()));
        assertEquals(String.join("\n",
                "TOKEN             ORG               USES LEFT  EXPIRES                   LAST USED                 REVOKED",
                "opt_" + id + "  acme                    2/3  2026-11-23T10:00:00Z      2026-11-22T10:00:00Z      -",
                "opt_" + other + "  acme                    1/1  2026-11-23T10:00:00Z      -                         -",
                "opt_" + globex + "  globex                  1/1  2026-11-23T10:00:00Z      -                         -",
                ""), stdout());
        assertFalse(stdout().contains(secret));

        assertEquals(0, run("token", "revoke", "--dir", dir.toString(), whole));
        assertEquals("revoked token opt_" + id + "; it can enroll no more hosts\n", stdout());
        assertFalse(stdout().contains(secret), "a whole token given by mistake is not echoed");
        assertEquals(1, run("token", "revoke", "--dir", dir.toString(), "opt_" + id));
        assertEquals("outpost-gateway: no token opt_" + id + " that is not already revoked; see `outpost-gateway "
                + "token list`\n", err.toString());
        assertEquals(0, run("token", "revoke", "--dir", dir.toString(), "--org", "acme", "--all"));
        assertEquals("revoked 1 token of org \"acme\"\n", stdout());
        assertEquals(64, run("token", "revoke", "--dir", dir.toString(), "--org", "acme"));
        assertEquals(64, run("token", "revoke", "--dir", dir.toString(), "nothex"));

        assertEquals(0, run("token", "list", "--dir", dir.toString()));
        assertTrue(stdout().contains("opt_" + globex + "  globex                  1/1  2026-11-23T10:00:00Z      -"
                + "                         -\n"), stdout());
        assertEquals(2, stdout().lines().filter(l -> l.endsWith("  2026-11-22T10:00:00Z")).count(), stdout());
    }

    @Test
    void agentsAreListedAndRevokedAndEverythingIsAuditedAndVerifiable() throws Exception {
        assertEquals(0, run("token", "create", "--dir", dir.toString(), "--org", "acme", "--uses", "2"));
        String whole = stdout().lines().filter(l -> l.startsWith("token: ")).findFirst().orElseThrow().substring(7);
        AgentIdentity web = enroll(whole.substring(4, 16), whole.substring(17), "web-1");
        AgentIdentity db1 = enroll(whole.substring(4, 16), whole.substring(17), "db-1");

        assertEquals(0, run("agent", "list", "--dir", dir.toString()));
        String[] lines = stdout().split("\n");
        assertEquals("AGENT               ORG               HOST                  STATUS   SERIAL"
                + "                              CERT EXPIRES              ENROLLED", lines[0]);
        assertTrue(lines[1].matches(web.agentId() + "  acme              web-1                 active   [0-9a-f]+ +"
                + "2026-11-23T10:00:00Z      2026-11-22T10:00:00Z"), lines[1]);

        assertEquals(0, run("agent", "revoke", "--dir", dir.toString(), web.agentId()));
        assertEquals("revoked agent " + web.agentId() + "; its next request is refused and its open connections "
                + "close\n", stdout());
        assertEquals(1, run("agent", "revoke", "--dir", dir.toString(), web.agentId()));
        assertEquals(0, run("agent", "revoke", "--dir", dir.toString(), "--org", "acme", "--all"));
        assertEquals("revoked 1 agent of org \"acme\"\n", stdout());
        assertEquals(0, run("agent", "list", "--dir", dir.toString()));
        assertEquals(2, stdout().lines().filter(l -> l.contains(" revoked ")).count(), stdout());

        assertEquals(0, run("audit", "list", "--dir", dir.toString(), "--kind", "agent.revoke"));
        assertEquals("4 2026-11-22T10:00:00Z agent.revoke org=acme agent=" + web.agentId()
                + " source=cli : agent revoked (was active)\n"
                + "5 2026-11-22T10:00:00Z agent.revoke org=acme agent=" + db1.agentId()
                + " source=cli : agent revoked (was active)\n", stdout());
        assertEquals(0, run("audit", "list", "--dir", dir.toString(), "--agent", db1.agentId(), "--until",
                "2026-11-22T10:00:00.001Z", "--since", "1h"));
        assertEquals(2, stdout().lines().count(), stdout());
        assertTrue(stdout().startsWith("3 2026-11-22T10:00:00Z agent.enroll org=acme agent=" + db1.agentId()
                + " token=" + whole.substring(4, 16) + " source=192.0.2.7 : agent enrolled: host db-1, certificate "
                + "serial "), stdout());
        assertEquals(0, run("audit", "list", "--dir", dir.toString(), "--since", "2026-11-22T10:00:01Z"));
        assertEquals("", stdout());

        String head;
        try (Database db = Database.open(dir.resolve("state.db"))) {
            head = HexFormat.of().formatHex(AuditLog.all(db).get(4).hash());
        }
        assertEquals(64, head.length(), "the whole 256-bit hash");
        assertEquals(0, run("audit", "verify", "--dir", dir.toString()));
        assertEquals("audit log intact: 5 entries, head " + head + "\n", stdout());

        assertEquals(0, run("audit", "verify", "--dir", dir.toString(), "--head", head.toUpperCase()));
        assertEquals(1, run("audit", "verify", "--dir", dir.toString(), "--head", head.substring(0, 16)));
        assertEquals("--head \"" + head.substring(0, 16) + "\" is not a SHA-256 hash of 64 hex digits; use the whole "
                + "head that `audit verify` printed\n", stdout());
        try (Connection c = DriverManager.getConnection("jdbc:sqlite:" + dir.resolve("state.db"));
                Statement s = c.createStatement()) {
            s.execute("DROP TRIGGER audit_no_delete");
            s.execute("DELETE FROM audit WHERE seq = 5");
        }
        assertEquals(0, run("audit", "verify", "--dir", dir.toString()), "the chain alone cannot tell");
        assertEquals(1, run("audit", "verify", "--dir", dir.toString(), "--head", head));
        assertEquals("the recorded head " + head + " is not in the audit log: entries were removed from its end or "
                + "the log was rebuilt\n", stdout());
        assertEquals(1, run("audit", "verify", "--dir", dir.toString(), "--head", "xyz"));

        try (Connection c = DriverManager.getConnection("jdbc:sqlite:" + dir.resolve("state.db"));
                Statement s = c.createStatement()) {
            s.execute("DROP TRIGGER audit_no_update");
            s.execute("UPDATE audit SET org = 'globex' WHERE seq = 4");
        }
        assertEquals(1, run("audit", "verify", "--dir", dir.toString()));
        assertEquals("audit entry 4 was edited: its hash does not match its content\n", stdout());
        assertEquals(64, run("audit", "list", "--dir", dir.toString(), "--since", "yesterday"));
        assertEquals(64, run("audit", "list", "--dir", dir.toString(), "--kind", "agent.revok"));
        assertTrue(err.toString().startsWith("outpost-gateway: --kind \"agent.revok\" is not an audit entry kind; "
                + "use one of token.create, token.revoke, agent.enroll, agent.renew, agent.lock, agent.revoke, "
                + "auth.burst, key.reuse, ca.stage, ca.switch, ca.retire, ca.abort\n"), err.toString());
    }

    @Test
    void adminCommandsDoNotCreateAStateDatabase() {
        assertEquals(1, run("agent", "list", "--dir", dir.resolve("nothing").toString()));
        assertTrue(err.toString().contains(dir.resolve("nothing/state.db") + ": no such file; run `outpost-gateway "
                + "init --dir " + dir.resolve("nothing") + "` first"), err.toString());
    }

    @Test
    void checkConfigSaysValidOrNamesEveryBadSinkSettingWithExit78() throws Exception {
        assertEquals(0, run("check-config", "--dir", dir.toString()), err.toString());
        assertTrue(stdout().endsWith(": configuration is valid; sink file\n"), stdout());

        java.nio.file.Path secret = java.nio.file.Files.writeString(dir.resolve("password"), "pw\n");
        java.nio.file.Path yaml = java.nio.file.Files.writeString(dir.resolve("bad.yaml"), String.join("\n",
                "sink:",
                "  type: prometheus_remote_write",
                "  prometheus_remote_write:",
                "    url: \"http://metrics.example.com/api/v1/write\"",
                "    tenant_header: \"Authorization\"",
                "    basic_auth_username: outpost",
                "    basic_auth_password_file: " + secret,
                "    tls_ca_file: /nonexistent/ca.pem",
                "    max_concurrent_requests: 0",
                ""));
        assertEquals(78, run("check-config", "--dir", dir.toString(), "--config", yaml.toString()));
        String e = err.toString().replace(yaml.toString(), "FILE");
        assertTrue(e.contains("FILE:4: sink.prometheus_remote_write.url: \"http://metrics.example.com/api/v1/write\" "
                + "is plain http to another host, and credentials would cross the network unencrypted; use https"), e);
        assertTrue(e.contains("sink.prometheus_remote_write.tenant_header: \"Authorization\" is not a header name "
                + "this sink may set"), e);
        assertTrue(e.contains("sink.prometheus_remote_write.basic_auth_password_file: \"" + secret + "\" holds a "
                + "secret but others may read it; chmod 600 " + secret), e);
        assertTrue(e.contains("sink.prometheus_remote_write.tls_ca_file: \"/nonexistent/ca.pem\" is not a readable "
                + "file"), e);
        assertTrue(e.contains("sink.prometheus_remote_write.max_concurrent_requests: 0 is out of range"), e);

        java.nio.file.Path missing = java.nio.file.Files.writeString(dir.resolve("missing.yaml"),
                "sink:\n  type: otlp\n");
        assertEquals(78, run("check-config", "--dir", dir.toString(), "--config", missing.toString()));
        assertTrue(err.toString().contains("sink.otlp.url: missing; sink.type otlp needs the receiver's URL"),
                err.toString());
    }
}
