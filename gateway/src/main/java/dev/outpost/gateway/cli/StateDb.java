package dev.outpost.gateway.cli;

import dev.outpost.gateway.GatewayDir;
import dev.outpost.gateway.store.Database;
import java.io.IOException;
import java.nio.file.Files;
import java.time.Instant;

/** Opens an existing {@code state.db} for the admin commands, which must not create an empty one by mistake. */
final class StateDb {
    private StateDb() {
    }

    static Database open(GatewayDir dir) throws IOException {
        if (!Files.exists(dir.database())) {
            throw new IOException(dir.database() + ": no such file; run `outpost-gateway init --dir " + dir.root()
                    + "` first, or pass the gateway's --dir");
        }
        return Database.open(dir.database());
    }

    /** An instant for a table cell, or "-" when there is none. */
    static String cell(Instant t) {
        return t == null ? "-" : t.toString();
    }
}
