package dev.outpost.gateway;

import dev.outpost.gateway.config.PostgresqlStateConfig;
import dev.outpost.gateway.config.StateConfig;
import dev.outpost.gateway.config.StateType;
import dev.outpost.gateway.store.Database;
import dev.outpost.gateway.ca.CaFiles;
import dev.outpost.gateway.ca.CaSnapshot;
import dev.outpost.gateway.ca.CaStore;
import dev.outpost.gateway.ca.MasterKey;
import dev.outpost.gateway.store.SharedCa;
import dev.outpost.gateway.store.SharedPepper;
import dev.outpost.gateway.store.TokenHasher;
import dev.outpost.wire.config.ConfigException;
import java.io.IOException;
import java.nio.file.Files;
import java.security.SecureRandom;
import java.time.Clock;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Opens the state store {@code state} names: {@code DIR/state.db}, or the shared PostgreSQL database; and where the
 * CA material and the token pepper are with it (files beside {@code state.db}; the shared database with PostgreSQL).
 */
public final class StateStores {
    private static final Logger LOG = LoggerFactory.getLogger("outpost.gateway.ca");
    private StateStores() {
    }

    /**
     * Opens (creating a missing SQLite file only if {@code create}) and migrates the state store.
     *
     * @throws IOException naming the store and what to do
     */
    public static Database open(GatewayDir dir, StateConfig state, boolean create) throws IOException {
        if (state.type() == StateType.SQLITE) {
            if (!create && !Files.exists(dir.database())) {
                throw new IOException(dir.database() + ": no such file; run `outpost-gateway init --dir " + dir.root()
                        + "` first, or pass the gateway's --dir");
            }
            return Database.open(dir.database());
        }
        PostgresqlStateConfig pg = state.postgresql();
        return Database.open(new Database.PostgresqlTarget(pg.url(), pg.user(), pg.password(), pg.poolSize(),
                pg.connectTimeout()));
    }

    /** Where the CA material is: {@code DIR/ca/} with SQLite, the shared database with PostgreSQL. */
    public static CaStore ca(GatewayDir dir, StateConfig state, Database db, Clock clock) {
        return state.type() == StateType.SQLITE ? new CaFiles(dir.root()) : new SharedCa(db, clock);
    }

    /**
     * The token pepper of a gateway that holds the master key: {@code DIR/token-pepper} with SQLite (created if
     * missing); the shared one, sealed in the database, with PostgreSQL (kept also as that file, for the CLI).
     */
    public static TokenHasher pepper(GatewayDir dir, StateConfig state, Database db, MasterKey master, Clock clock,
            SecureRandom random) throws IOException {
        return state.type() == StateType.SQLITE ? TokenHasher.loadOrCreate(dir.pepper(), random)
                : new SharedPepper(db, clock).open(master, dir.pepper(), random);
    }

    /**
     * Makes sure a gateway on PostgreSQL finds the fleet's CA in the database. A database without one takes this
     * gateway's CA files if it has some (a gateway set up before the CA moved into the database; not during a
     * rollover), once it checked that the master key opens them.
     *
     * @throws ConfigException naming what to do when there is no CA anywhere
     */
    public static void adoptLocalCa(GatewayDir dir, SharedCa shared, MasterKey master, Clock clock,
            SecureRandom random) throws IOException, ConfigException {
        if (shared.exists()) {
            return;
        }
        CaFiles files = new CaFiles(dir.root());
        if (!files.exists()) {
            throw new ConfigException(List.of(shared.where() + " holds no CA: run `outpost-gateway init --dir "
                    + dir.root() + "` once, on the first gateway, with state.type: postgresql in its gateway.yaml (it "
                    + "creates the CA and the token pepper there); every other gateway then only needs its "
                    + "gateway.yaml and the same master key"));
        }
        CaSnapshot local = files.snapshot();
        if (local.next() != null || local.previous() != null) {
            throw new ConfigException(List.of(files.where() + " holds a CA rollover in progress: finish it (`ca "
                    + "retire`) or abort it with the release that started it, then start this one to move the CA "
                    + "into " + shared.where()));
        }
        local.issuer(master, clock, random);
        if (shared.adopt(local.issuing(), local.sealedKey())) {
            LOG.info("CA: copied the CA of {} (sealed with the master key, as it was) into {}; every gateway of the "
                    + "database uses it from there, and the files are no longer read", files.where(), shared.where());
        }
    }

    /** What the log says about the store, without secrets. */
    public static String describe(GatewayDir dir, StateConfig state) {
        return state.type() == StateType.SQLITE ? "SQLite " + dir.database()
                : "PostgreSQL " + state.postgresql().url() + " as " + state.postgresql().user();
    }
}
