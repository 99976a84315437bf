package dev.outpost.gateway.cli;

import dev.outpost.gateway.GatewayDir;
import dev.outpost.gateway.StateStores;
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

    /** An instant for a table cell, or "-" when there is none. */
    static String cell(Instant t) {
        return t == null ? "-" : t.toString();
    }
}
