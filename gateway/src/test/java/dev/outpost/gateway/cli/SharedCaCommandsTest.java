package dev.outpost.gateway.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.outpost.gateway.GatewayDir;
import dev.outpost.gateway.GatewayRuntime;
import dev.outpost.gateway.config.GatewayConfig;
import dev.outpost.gateway.store.LocalPostgres;
import dev.outpost.gateway.store.TestPostgres;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Clock;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code init}, {@code serve} and the commands with {@code state.type: postgresql}: the first gateway puts the CA and
 * the token pepper into the shared database; a second one joins with only its config and the same master key (no
 * {@code ca/} or {@code token-pepper} copied); a gateway with another master key refuses to start (78).
 */
class SharedCaCommandsTest {
    @TempDir
    Path root;
    Map<String, String> state;
    String url;
    String database;
    Path secret;
    String out;
    String err;

    @BeforeEach
    void database() throws Exception {
        LocalPostgres pg = TestPostgres.get();
        secret = pg.passwordFile(Files.createDirectories(root.resolve("secrets")));
        database = pg.newDatabase();
        url = pg.url(database);
        state = Map.of("OUTPOST_GATEWAY_STATE_TYPE", "postgresql",
                "OUTPOST_GATEWAY_STATE_POSTGRESQL_URL", url,
                "OUTPOST_GATEWAY_STATE_POSTGRESQL_USER", TestPostgres.ADMIN,
                "OUTPOST_GATEWAY_STATE_POSTGRESQL_PASSWORD_FILE", secret.toString(),
                "OUTPOST_GATEWAY_EST_LISTEN", "127.0.0.1:0", "OUTPOST_GATEWAY_INGEST_LISTEN", "127.0.0.1:0");
    }

    int run(Map<String, String> env, String... args) {
        ByteArrayOutputStream o = new ByteArrayOutputStream();
        ByteArrayOutputStream e = new ByteArrayOutputStream();
        int code = new GatewayCli(new PrintStream(o, true, StandardCharsets.UTF_8),
                new PrintStream(e, true, StandardCharsets.UTF_8), env, Clock.systemUTC()).run(args);
        out = o.toString(StandardCharsets.UTF_8);
        err = e.toString(StandardCharsets.UTF_8);
        return code;
    }

    /** The environment of a gateway whose master key comes from a credential directory holding {@code key}. */
    Map<String, String> withMasterKey(String name, byte[] key) throws Exception {
        Path creds = Files.createDirectories(root.resolve(name + "-credentials"));
        Files.write(creds.resolve("outpost-master-key"), key);
        Files.setPosixFilePermissions(creds.resolve("outpost-master-key"), PosixFilePermissions.fromString("rw-------"));
        Map<String, String> env = new HashMap<>(state);
        env.put("CREDENTIALS_DIRECTORY", creds.toString());
        return env;
    }

    static String field(String text, String name) {
        return text.lines().filter(l -> l.startsWith(name + ": ")).findFirst().orElseThrow(() ->
                new AssertionError("no " + name + " in " + text)).substring(name.length() + 2);
    }

    @Test
    void theFirstGatewayInitsTheCaInTheDatabaseAndASecondInitIsRefused() throws Exception {
        Path a = root.resolve("gw-a");
        assertEquals(0, run(state, "init", "--dir", a.toString()), err);
        String pin = field(out, "ca pin");
        assertFalse(Files.exists(a.resolve("state.db")), "no unused state.db");
        assertFalse(Files.exists(a.resolve("ca")), "the CA is in the database");
        assertEquals("rw-------", PosixFilePermissions.toString(Files.getPosixFilePermissions(a.resolve(
                "token-pepper"))), "the pepper's copy for the CLI");

        Path b = root.resolve("gw-b");
        assertEquals(73, run(state, "init", "--dir", b.toString()));
        assertTrue(err.contains("already holds a CA (" + pin + "); refusing to create another"), err);
        assertFalse(Files.exists(b.resolve("master.key")), "a refused init creates nothing");
        assertEquals(0, run(state, "pin", "--dir", b.toString()), err);
        assertEquals(pin, out.strip(), "the pin, from the database, anywhere");
        assertEquals(0, run(state, "ca", "status", "--dir", b.toString()), err);
        assertTrue(out.startsWith("issuing CA:  " + pin), out);
    }

    @Test
    void aSecondGatewayJoinsWithItsConfigAndTheMasterKeyAndAnotherMasterKeyIsRefused() throws Exception {
        Path a = root.resolve("gw-a");
        assertEquals(0, run(state, "init", "--dir", a.toString()), err);
        String pin = field(out, "ca pin");
        Path b = Files.createDirectories(root.resolve("gw-b"));
        Map<String, String> atB = withMasterKey("gw-b", Files.readAllBytes(a.resolve("master.key")));
        assertEquals(1, run(state, "token", "create", "--dir", b.toString(), "--org", "acme"),
                "no master key and no pepper copy yet");
        assertTrue(err.contains("run it as the gateway's user"), err);
        try (GatewayRuntime gateway = GatewayRuntime.start(new GatewayDir(b), GatewayConfig.defaults(atB), atB,
                Clock.systemUTC())) {
            assertTrue(Files.exists(b.resolve("server/server.crt")), "its own server certificate");
            assertEquals(Files.readString(a.resolve("token-pepper")), Files.readString(b.resolve("token-pepper")));
            assertEquals(0, run(state, "token", "create", "--dir", b.toString(), "--org", "acme"), err);
            assertEquals(pin, field(out, "ca pin"));
        }

        Map<String, String> atC = withMasterKey("gw-c", "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=\n"
                .getBytes(StandardCharsets.US_ASCII));
        Path c = Files.createDirectories(root.resolve("gw-c"));
        int code = CompletableFuture.supplyAsync(() -> run(atC, "serve", "--dir", c.toString()))
                .get(60, TimeUnit.SECONDS);
        assertEquals(78, code, err);
        assertTrue(err.contains("cannot decrypt: wrong master key") && err.contains("Every gateway that shares the "
                + "CA needs the same master key"), err);
        assertFalse(err.contains("\tat "), "no stack trace");
    }

    @Test
    void aGatewayWithCaFilesCopiesThemIntoADatabaseWithoutACa() throws Exception {
        Path old = Files.createDirectories(root.resolve("gw-old"));
        java.security.SecureRandom random = new java.security.SecureRandom();
        dev.outpost.gateway.ca.MasterKey master = dev.outpost.gateway.ca.MasterKey.create(old.resolve("master.key"),
                random);
        String pin = dev.outpost.wire.CaPin.of(new dev.outpost.gateway.ca.CaFiles(old).create(master, Clock.systemUTC(),
                random).certificate()).toString();
        byte[] raw = new byte[32];
        random.nextBytes(raw);
        String pepper = Files.readString(Files.writeString(old.resolve("token-pepper"),
                java.util.Base64.getEncoder().encodeToString(raw)));
        Files.setPosixFilePermissions(old.resolve("token-pepper"), PosixFilePermissions.fromString("rw-------"));
        try (GatewayRuntime gateway = GatewayRuntime.start(new GatewayDir(old), GatewayConfig.defaults(state), state,
                Clock.systemUTC())) {
            Path joined = Files.createDirectories(root.resolve("gw-new"));
            assertEquals(0, run(state, "pin", "--dir", joined.toString()), err);
            assertEquals(pin, out.strip(), "the CA of the files, now in the database");
            assertEquals(pepper, Files.readString(old.resolve("token-pepper")), "the pepper it had, kept");
        }
        Path fresh = Files.createDirectories(root.resolve("gw-fresh"));
        Map<String, String> atFresh = withMasterKey("gw-fresh", Files.readAllBytes(old.resolve("master.key")));
        try (GatewayRuntime gateway = GatewayRuntime.start(new GatewayDir(fresh), GatewayConfig.defaults(atFresh),
                atFresh, Clock.systemUTC())) {
            assertEquals(pepper, Files.readString(fresh.resolve("token-pepper")), "the same pepper for every gateway");
        }
    }
    @Test
    void everyCommandThatTouchesTheStateFindsItThroughConfig() throws Exception {
        Path config = Files.writeString(root.resolve("elsewhere.yaml"), "state:\n  type: postgresql\n  postgresql:\n"
                + "    url: \"" + url + "\"\n    user: " + TestPostgres.ADMIN + "\n    password_file: " + secret + "\n");
        Map<String, String> env = Map.of();
        Path a = root.resolve("gw-a");
        assertEquals(0, run(env, "init", "--dir", a.toString(), "--config", config.toString()), err);
        String pin = field(out, "ca pin");
        assertFalse(Files.exists(a.resolve("gateway.yaml")) || Files.exists(a.resolve("state.db")),
                "the state is only where the config says");
        String dir = a.toString();
        String cfg = config.toString();

        assertEquals(0, run(env, "token", "create", "--dir", dir, "--config", cfg, "--org", "acme"), err);
        assertEquals(pin, field(out, "ca pin"));
        String id = field(out, "token").substring(0, "opt_".length() + 12);
        assertEquals(0, run(env, "token", "list", "--dir", dir, "--config", cfg), err);
        assertTrue(out.contains(id + "  acme"), out);
        assertEquals(0, run(env, "token", "revoke", "--dir", dir, "--config", cfg, id), err);
        assertEquals(0, run(env, "agent", "list", "--dir", dir, "--config", cfg), err);
        assertTrue(out.startsWith("AGENT"), out);
        assertEquals(0, run(env, "audit", "verify", "--dir", dir, "--config", cfg), err);
        assertTrue(out.startsWith("audit log intact: 2 entries"), out);
        assertEquals(0, run(env, "audit", "list", "--dir", dir, "--config", cfg, "--kind", "token.revoke"), err);
        assertTrue(out.contains("token.revoke"), out);
        assertEquals(0, run(env, "ca", "status", "--dir", dir, "--config", cfg), err);
        assertTrue(out.startsWith("issuing CA:  " + pin), out);
        assertEquals(0, run(env, "pin", "--dir", dir, "--config", cfg), err);
        assertEquals(pin, out.strip());

        for (String[] command : new String[][] {{"token", "create", "--org", "acme"}, {"token", "list"},
                {"agent", "list"}, {"audit", "verify"}, {"ca", "status"}}) {
            String[] args = java.util.stream.Stream.concat(java.util.Arrays.stream(command), java.util.stream.Stream.of(
                    "--dir", dir)).toArray(String[]::new);
            assertEquals(1, run(env, args), String.join(" ", command) + " without --config: " + out);
            assertTrue(err.contains(a.resolve("state.db") + ": no such file"), err);
        }
        assertEquals(0, run(env, "help"));
        assertTrue(out.contains("Every command but version and watch also takes --config FILE"), out);
    }
    /** Runs {@code sql} in the test's database, as an operator editing it by hand would. */
    void edit(String sql) throws Exception {
        try (var c = TestPostgres.get().admin(database); var st = c.createStatement()) {
            st.execute(sql);
        }
    }

    /** {@code serve} in {@code dir}: its exit code if it ends (within a minute), else it is stopped and 0. */
    int serveFails(Path dir) throws Exception {
        return CompletableFuture.supplyAsync(() -> run(state, "serve", "--dir", dir.toString())).get(60,
                TimeUnit.SECONDS);
    }

    @Test
    void caMaterialEditedByHandStopsTheStartWithOneLineSayingWhatIsMissingAndWhatToDo() throws Exception {
        Path a = root.resolve("gw-a");
        assertEquals(0, run(state, "init", "--dir", a.toString()), err);
        assertEquals(0, run(state, "ca", "rollover", "--dir", a.toString(), "--wait", "0"), err);
        GatewayRuntime.start(new GatewayDir(a), GatewayConfig.defaults(state), state, Clock.systemUTC()).close();
        edit("DELETE FROM ca_material WHERE role LIKE 'link%'");

        assertEquals(78, serveFails(a), err);
        String staged = "the CA material in the state database " + url + " (table ca_material) is inconsistent: the "
                + "staged (next) CA lacks its link certificates link_new_with_old and link_old_with_new; discard the "
                + "staged CA with `outpost-gateway ca abort`";
        assertEquals("outpost-gateway: configuration error:", err.lines().findFirst().orElseThrow());
        assertEquals(2, err.lines().count(), err);
        assertTrue(err.contains(staged), err);
        assertEquals(1, run(state, "ca", "status", "--dir", a.toString()));
        assertTrue(err.contains(staged), "the CLI says the same: " + err);
        assertEquals(0, run(state, "ca", "abort", "--dir", a.toString()), "the fix it names: " + err);
        GatewayRuntime.start(new GatewayDir(a), GatewayConfig.defaults(state), state, Clock.systemUTC()).close();

        assertEquals(0, run(state, "ca", "rollover", "--dir", a.toString(), "--wait", "0", "--switch-after", "0"),
                err);
        GatewayRuntime.start(new GatewayDir(a), GatewayConfig.defaults(state), state, Clock.systemUTC()).close();
        assertEquals(0, run(state, "ca", "status", "--dir", a.toString()), err);
        assertTrue(out.contains("rollover:    switched at"), out);
        edit("DELETE FROM ca_material WHERE role = 'link_new_with_old'");
        assertEquals(78, serveFails(a), err);
        assertTrue(err.contains("is inconsistent: the previous CA lacks its link certificate link_new_with_old; "
                + "restore the table ca_material from a backup of this database, or give the previous CA up at once"),
                err);
        assertFalse(err.contains("\tat ") || err.contains("Exception"), "no stack trace: " + err);
        String delete = err.substring(err.indexOf("DELETE FROM")).strip();
        edit(delete);
        GatewayRuntime.start(new GatewayDir(a), GatewayConfig.defaults(state), state, Clock.systemUTC()).close();

        edit("INSERT INTO ca_material(role, certificate, created_at) SELECT 'link_old_with_new', certificate, 0 "
                + "FROM ca_material WHERE role = 'issuing'");
        assertEquals(78, serveFails(a), err);
        assertTrue(err.contains("is inconsistent: it has link certificates (link_old_with_new) but no staged or "
                + "previous CA they link; delete them: DELETE FROM ca_material WHERE role IN"), err);
    }
}
