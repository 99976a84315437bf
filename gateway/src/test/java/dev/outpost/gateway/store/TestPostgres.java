package dev.outpost.gateway.store;

import org.junit.jupiter.api.Assumptions;

/** The tests' PostgreSQL ({@link LocalPostgres}): a test that needs it is skipped, saying why, when it is absent. */
public final class TestPostgres {
    public static final String ADMIN = LocalPostgres.ADMIN;

    private TestPostgres() {
    }

    /** The server, started at the first call; skips the calling test if PostgreSQL is not installed. */
    public static LocalPostgres get() {
        LocalPostgres pg = LocalPostgres.get();
        Assumptions.assumeTrue(pg != null, LocalPostgres::unavailable);
        return pg;
    }
}
