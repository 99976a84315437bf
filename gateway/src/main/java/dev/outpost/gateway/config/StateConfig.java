package dev.outpost.gateway.config;

import com.fasterxml.jackson.annotation.JsonCreator;
import com.fasterxml.jackson.annotation.JsonProperty;
import dev.outpost.wire.config.Violations;

/**
 * The {@code state} section: SQLite in the gateway directory (the default), or a PostgreSQL database that several
 * gateways share. The PostgreSQL settings are checked whenever given, and required when {@code type} is
 * {@code postgresql}.
 */
public record StateConfig(StateType type, PostgresqlStateConfig postgresql) {
    public StateConfig {
        type = type == null ? StateType.SQLITE : type;
        postgresql = postgresql == null ? PostgresqlStateConfig.defaults() : postgresql;
        Violations v = new Violations();
        if (type == StateType.POSTGRESQL) {
            if (postgresql.url().isEmpty()) {
                v.add("postgresql.url", "missing; state.type postgresql needs the database's JDBC URL, e.g. \""
                        + PostgresqlStateConfig.EXAMPLE_URL + "\"");
            }
            if (postgresql.user().isEmpty()) {
                v.add("postgresql.user", "missing; state.type postgresql needs the role to log in as, e.g. "
                        + "\"outpost_gateway\"");
            }
            if (postgresql.passwordFile() == null) {
                v.add("postgresql.password_file", "missing; state.type postgresql needs the role's password in a "
                        + "file (0600) or a systemd credential, e.g. \"$CREDENTIALS_DIRECTORY/outpost-postgresql\"");
            }
        }
        v.throwIfAny();
    }

    /** How the file binds. */
    @JsonCreator
    static StateConfig of(@JsonProperty("type") StateType type,
            @JsonProperty("postgresql") PostgresqlStateConfig postgresql) {
        return new StateConfig(type, postgresql);
    }

    public static StateConfig defaults() {
        return new StateConfig(null, null);
    }
}
