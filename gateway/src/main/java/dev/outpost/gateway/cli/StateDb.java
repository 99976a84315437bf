package dev.outpost.gateway.cli;

import dev.outpost.gateway.GatewayDir;
import dev.outpost.gateway.StateStores;
import dev.outpost.gateway.ca.CaFiles;
import dev.outpost.gateway.ca.CaStore;
import dev.outpost.gateway.ca.MasterKey;
import dev.outpost.gateway.config.StateType;
import dev.outpost.gateway.store.SharedPepper;
import dev.outpost.gateway.store.TokenHasher;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.security.cert.X509Certificate;
import java.sql.SQLException;
import java.time.Clock;
import dev.outpost.gateway.store.Database;
import dev.outpost.wire.config.ConfigException;
import java.io.IOException;
import java.time.Instant;
import java.util.Map;

/**
 * Opens the state store the gateway's config names ({@code state.type}) for the admin commands: an existing
 * {@code state.db} (never an empty one by mistake), or the shared PostgreSQL database.
 */
final class StateDb {
    private StateDb() {
    }

    static Database open(GatewayDir dir, Map<String, String> env) throws IOException, ConfigException {
        return StateStores.open(dir, GatewayCli.loadConfig(dir, null, env).state(), false);
    }

    /** Where the CA material is for the gateway in {@code dir}: its files, or the shared database. */
    static CaStore ca(GatewayDir dir, Map<String, String> env, Database db, Clock clock) throws ConfigException {
        return StateStores.ca(dir, GatewayCli.loadConfig(dir, null, env).state(), db, clock);
    }

    /** The issuing CA's certificate. */
    static X509Certificate issuing(GatewayDir dir, Map<String, String> env, Clock clock) throws IOException,
            ConfigException, SQLException {
        if (GatewayCli.loadConfig(dir, null, env).state().type() == StateType.SQLITE) {
            return new CaFiles(dir.root()).snapshot().issuing(); // needs no state.db
        }
        try (Database db = open(dir, env)) {
            return ca(dir, env, db, clock).snapshot().issuing();
        }
    }

    /**
     * The token pepper for {@code token create}: {@code DIR/token-pepper} with SQLite (created if missing, as
     * before); with PostgreSQL the shared one, unsealed from the database if this command can read the master key,
     * else the copy a gateway that started in {@code dir} keeps there.
     */
    static TokenHasher pepper(GatewayDir dir, Map<String, String> env, Database db, Clock clock) throws IOException,
            ConfigException {
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
