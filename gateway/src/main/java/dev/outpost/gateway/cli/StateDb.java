package dev.outpost.gateway.cli;

import dev.outpost.gateway.GatewayDir;
import dev.outpost.gateway.StateStores;
import dev.outpost.gateway.ca.CaFiles;
import dev.outpost.gateway.ca.CaStore;
import dev.outpost.gateway.ca.MasterKey;
import dev.outpost.gateway.config.GatewayConfig;
import dev.outpost.gateway.config.StateType;
import dev.outpost.gateway.store.Database;
import dev.outpost.gateway.store.SharedPepper;
import dev.outpost.gateway.store.TokenHasher;
import dev.outpost.wire.cli.Args;
import dev.outpost.wire.config.ConfigException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.security.cert.X509Certificate;
import java.sql.SQLException;
import java.time.Clock;
import java.time.Instant;
import java.util.Map;
import java.util.Set;

/**
 * Opens the state store the gateway's config names ({@code state.type}) for the admin commands: an existing
 * {@code state.db} (never an empty one by mistake), or the shared PostgreSQL database. Every command that touches
 * the state takes {@code --dir} and {@code --config} alike ({@link #OPTIONS}), read once by {@link Target#of}.
 */
final class StateDb {
    /** The options that say where the state is, taken by every command that reads or changes it. */
    static final Set<String> OPTIONS = Set.of("dir", "config");

    private StateDb() {
    }

    /** {@link #OPTIONS} and {@code more}: the options of a command that touches the state. */
    static Set<String> options(String... more) {
        Set<String> all = new java.util.HashSet<>(OPTIONS);
        all.addAll(Set.of(more));
        return all;
    }

    /** The gateway directory and the config a command works with: {@code --dir} and {@code --config}. */
    record Target(GatewayDir dir, GatewayConfig config) {
        static Target of(Args a, Map<String, String> env) throws ConfigException {
            GatewayDir dir = GatewayDir.resolve(a.get("dir", null), env);
            return new Target(dir, GatewayCli.loadConfig(dir, a.get("config", null), env));
        }
    }

    static Database open(Target t) throws IOException {
        return StateStores.open(t.dir(), t.config().state(), false);
    }

    /** Where the CA material is for the gateway in {@code dir}: its files, or the shared database. */
    static CaStore ca(Target t, Database db, Clock clock) {
        return StateStores.ca(t.dir(), t.config().state(), db, clock);
    }

    /** The issuing CA's certificate. */
    static X509Certificate issuing(Target t, Clock clock) throws IOException, SQLException {
        if (t.config().state().type() == StateType.SQLITE) {
            return new CaFiles(t.dir().root()).snapshot().issuing(); // needs no state.db
        }
        try (Database db = open(t)) {
            return ca(t, db, clock).snapshot().issuing();
        }
    }

    /**
     * The token pepper for {@code token create}: {@code DIR/token-pepper} with SQLite (created if missing, as
     * before); with PostgreSQL the shared one, unsealed from the database if this command can read the master key,
     * else the copy a gateway that started in {@code dir} keeps there.
     */
    static TokenHasher pepper(Target t, Map<String, String> env, Database db, Clock clock) throws IOException,
            ConfigException {
        GatewayDir dir = t.dir();
        if (db.dialect() == Database.Dialect.SQLITE) {
            return TokenHasher.loadOrCreate(dir.pepper(), new SecureRandom());
        }
        Path masterFile = MasterKey.location(dir.root(), env);
        if (Files.isReadable(masterFile)) {
            return new SharedPepper(db, clock).read(MasterKey.load(masterFile, new SecureRandom())).orElseThrow(() ->
                    new IOException("the state database " + db.where() + " holds no token pepper yet: run `outpost-"
                            + "gateway init` on the first gateway, or start it once"));
        }
        if (Files.exists(dir.pepper())) {
            return TokenHasher.load(dir.pepper());
        }
        throw new IOException("the token pepper is sealed in the state database and this command has neither the "
                + "master key (" + masterFile + ") nor the copy a gateway keeps in " + dir.pepper() + ": run it as "
                + "the gateway's user (runuser -u outpost-gateway --) on a gateway host that has started once, with "
                + "the gateway's --dir");
    }

    /** An instant for a table cell, or "-" when there is none. */
    static String cell(Instant t) {
        return t == null ? "-" : t.toString();
    }
}
