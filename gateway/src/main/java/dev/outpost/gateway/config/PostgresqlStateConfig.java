package dev.outpost.gateway.config;

import com.fasterxml.jackson.annotation.JsonCreator;
import com.fasterxml.jackson.annotation.JsonProperty;
import dev.outpost.wire.config.Violations;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Locale;

/**
 * The {@code state.postgresql} section: the JDBC URL of the shared database, the role, the file holding its
 * password (a path, or {@code $CREDENTIALS_DIRECTORY/NAME} for a systemd credential; never the password itself),
 * the pool's size and the connect timeout.
 */
public record PostgresqlStateConfig(String url, String user, Path passwordFile, int poolSize,
        Duration connectTimeout) {
    public static final String EXAMPLE_URL = "jdbc:postgresql://db.example.net:5432/outpost?sslmode=verify-full";
    public static final int DEFAULT_POOL_SIZE = 8;
    public static final Duration DEFAULT_CONNECT_TIMEOUT = Duration.ofSeconds(5);

    /**
     * @throws dev.outpost.wire.config.InvalidConfigException naming each bad value
     */
    public PostgresqlStateConfig {
        Violations v = new Violations();
        if (!url.isEmpty()) {
            String lower = url.toLowerCase(Locale.ROOT);
            if (!lower.startsWith("jdbc:postgresql://")) {
                v.add("url", "\"" + url + "\" is not a PostgreSQL JDBC URL; use e.g. \"" + EXAMPLE_URL + "\"");
            } else if (lower.contains("password=") || url.substring("jdbc:postgresql://".length()).contains("@")) {
                v.add("url", "must not contain a password or user; set user and password_file instead");
            }
        }
        if (passwordFile != null) {
            RemoteEndpoint.checkReadable(v, "password_file", passwordFile, true);
        }
        v.between("pool_size", poolSize, 2, 64, DEFAULT_POOL_SIZE);
        v.durationBetween("connect_timeout", connectTimeout, Duration.ofSeconds(1), Duration.ofMinutes(1),
                DEFAULT_CONNECT_TIMEOUT);
        v.throwIfAny();
    }

    /** How the file binds: an absent key is {@code null} and takes its default. */
    @JsonCreator
    static PostgresqlStateConfig of(@JsonProperty("url") String url, @JsonProperty("user") String user,
            @JsonProperty("password_file") Path passwordFile, @JsonProperty("pool_size") Integer poolSize,
            @JsonProperty("connect_timeout") Duration connectTimeout) {
        return new PostgresqlStateConfig(url == null ? "" : url, user == null ? "" : user, passwordFile,
                poolSize == null ? DEFAULT_POOL_SIZE : poolSize,
                connectTimeout == null ? DEFAULT_CONNECT_TIMEOUT : connectTimeout);
    }

    public static PostgresqlStateConfig defaults() {
        return of(null, null, null, null, null);
    }

    /** The password: the first line of {@link #passwordFile()} (resolving {@code $CREDENTIALS_DIRECTORY}). */
    public String password() throws IOException {
        Path file = RemoteEndpoint.resolve(passwordFile);
        String text = Files.readString(file, StandardCharsets.UTF_8);
        int nl = text.indexOf('\n');
        String line = (nl < 0 ? text : text.substring(0, nl)).strip();
        if (line.isEmpty()) {
            throw new IOException(file + ": the PostgreSQL password file is empty; write the role's password in it");
        }
        return line;
    }
}
