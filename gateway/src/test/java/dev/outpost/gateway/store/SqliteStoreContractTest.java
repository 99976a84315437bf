package dev.outpost.gateway.store;

import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.Statement;

/** The store contract on SQLite: two stores on one {@code state.db} (a gateway and the CLI). */
class SqliteStoreContractTest extends StoreContract {
    @Override
    Database open() throws Exception {
        return Database.open(dir.resolve("state.db"));
    }

    @Override
    void execute(String sql) throws Exception {
        try (Connection c = DriverManager.getConnection("jdbc:sqlite:" + dir.resolve("state.db"));
                Statement s = c.createStatement()) {
            s.execute("PRAGMA busy_timeout=5000");
            s.execute(sql);
        }
    }
}
