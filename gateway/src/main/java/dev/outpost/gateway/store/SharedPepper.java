package dev.outpost.gateway.store;

import dev.outpost.gateway.ca.MasterKey;
import dev.outpost.wire.SecureFiles;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Clock;
import java.util.Arrays;
import java.util.Objects;
import java.util.Optional;

/**
 * The token pepper where several gateways share one PostgreSQL database: in {@code sealed_secrets}, sealed with the
 * master key (a copy of the database alone neither verifies nor forges a token), created once by the first gateway.
 * Each gateway keeps a {@code 0600} copy in its directory ({@code token-pepper}, as a single gateway has), so that
 * {@code outpost-gateway token create}, run as the gateway's user without the master key, hashes new tokens alike.
 */
public final class SharedPepper {
    static final String NAME = "token_pepper";
    private static final String AAD = "outpost-token-pepper-v1";
    private final Database db;
    private final Clock clock;

    public SharedPepper(Database db, Clock clock) {
        this.db = Objects.requireNonNull(db, "db");
        this.clock = Objects.requireNonNull(clock, "clock");
    }

    /**
     * The shared pepper, unsealed with {@code master}; if the database has none yet, it stores one: the gateway's
     * {@code localCopy} if there is one (a gateway that had its pepper as a file), else a new random one. Then
     * writes {@code localCopy} ({@code 0600}) if it is missing or differs.
     *
     * @throws dev.outpost.gateway.ca.CaSnapshot.UnsealException if {@code master} cannot open it
     */
    public TokenHasher open(MasterKey master, Path localCopy, SecureRandom random) throws IOException {
        byte[] candidate = Files.exists(localCopy) ? TokenHasher.read(localCopy) : TokenHasher.newPepper(random);
        byte[] sealed = master.seal(candidate, AAD);
        byte[] stored;
        try {
            stored = db.inTransaction(c -> {
                Optional<byte[]> present = read(c);
                if (present.isPresent()) {
                    return present.get();
                }
                try (PreparedStatement ps = c.prepareStatement("INSERT INTO sealed_secrets(name, sealed, created_at) "
                        + "VALUES (?, ?, ?)")) {
                    Database.bind(ps, NAME, sealed, clock.millis());
                    ps.executeUpdate();
                }
                return sealed;
            });
        } catch (SQLException e) {
            throw new IOException(where() + ": cannot read or store the token pepper: " + e.getMessage(), e);
        }
        byte[] pepper = unseal(master, stored);
        try {
            if (!Files.exists(localCopy) || !Arrays.equals(TokenHasher.read(localCopy), pepper)) {
                SecureFiles.write(localCopy, TokenHasher.text(pepper), SecureFiles.OWNER_ONLY);
            }
            return TokenHasher.of(pepper);
        } finally {
            Arrays.fill(pepper, (byte) 0);
            Arrays.fill(candidate, (byte) 0);
        }
    }

    /** The shared pepper unsealed with {@code master}, or empty if the database holds none yet. */
    public Optional<TokenHasher> read(MasterKey master) throws IOException {
        Optional<byte[]> sealed;
        try {
            sealed = db.read(SharedPepper::read);
        } catch (SQLException e) {
            throw new IOException(where() + ": cannot read the token pepper: " + e.getMessage(), e);
        }
        if (sealed.isEmpty()) {
            return Optional.empty();
        }
        byte[] pepper = unseal(master, sealed.get());
        try {
            return Optional.of(TokenHasher.of(pepper));
        } finally {
            Arrays.fill(pepper, (byte) 0);
        }
    }

    private byte[] unseal(MasterKey master, byte[] sealed) throws IOException {
        try {
            return master.open(sealed, AAD);
        } catch (IOException e) {
            throw new dev.outpost.gateway.ca.CaSnapshot.UnsealException("the token pepper in " + where() + ": "
                    + e.getMessage());
        }
    }

    private String where() {
        return "the state database " + db.where();
    }

    private static Optional<byte[]> read(java.sql.Connection c) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement("SELECT sealed FROM sealed_secrets WHERE name = ?")) {
            ps.setString(1, NAME);
            try (ResultSet rs = ps.executeQuery()) {
                return rs.next() ? Optional.of(rs.getBytes(1)) : Optional.empty();
            }
        }
    }
}
