package dev.outpost.gateway;

import dev.outpost.gateway.config.PostgresqlStateConfig;
import dev.outpost.gateway.config.StateConfig;
import dev.outpost.gateway.config.StateType;
import dev.outpost.gateway.store.Database;
import java.io.IOException;
import java.nio.file.Files;

/** Opens the state store {@code state} names: {@code DIR/state.db}, or the shared PostgreSQL database. */
public final class StateStores {
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

    /** What the log says about the store, without secrets. */
    public static String describe(GatewayDir dir, StateConfig state) {
        return state.type() == StateType.SQLITE ? "SQLite " + dir.database()
                : "PostgreSQL " + state.postgresql().url() + " as " + state.postgresql().user();
    }
}
