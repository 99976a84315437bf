package dev.outpost.gateway;

import java.nio.file.Path;
import java.util.Map;

/** The files of one gateway, all under one directory (default {@code /var/lib/outpost-gateway}). */
public record GatewayDir(Path root) {
    public static final String ENV = "OUTPOST_GATEWAY_DIR";
    public static final Path DEFAULT = Path.of("/var/lib/outpost-gateway");

    /** {@code --dir} if given, else {@code $OUTPOST_GATEWAY_DIR}, else the default. */
    public static GatewayDir resolve(String option, Map<String, String> env) {
        if (option != null) {
            return new GatewayDir(Path.of(option));
        }
        String fromEnv = env.get(ENV);
        return new GatewayDir(fromEnv == null || fromEnv.isBlank() ? DEFAULT : Path.of(fromEnv));
    }

    public Path config() {
        return root.resolve("gateway.yaml");
    }

    public Path database() {
        return root.resolve("state.db");
    }

    public Path pepper() {
        return root.resolve("token-pepper");
    }

    /** While this file exists, ingest answers 503 (see {@code Maintenance}). */
    public Path maintenance() {
        return root.resolve("maintenance");
    }

    public Path serverCertificate() {
        return root.resolve("server").resolve("server.crt");
    }

    public Path serverKey() {
        return root.resolve("server").resolve("server.key");
    }

    /** This gateway's name among those sharing one database: it owns the sink writes it leaves in progress. */
    public Path instanceIdFile() {
        return root.resolve("gateway-id");
    }

    /** The id in {@link #instanceIdFile()}, created (random) at the first call. */
    public String instanceId(java.security.SecureRandom random) throws java.io.IOException {
        Path file = instanceIdFile();
        if (java.nio.file.Files.exists(file)) {
            String id = java.nio.file.Files.readString(file).strip();
            if (id.matches("[0-9a-f]{16}")) {
                return id;
            }
            throw new java.io.IOException(file + ": \"" + id + "\" is not a gateway id (16 hex digits); delete the "
                    + "file to have a new one made, once no sink write of this gateway is left in progress");
        }
        byte[] b = new byte[8];
        random.nextBytes(b);
        String id = java.util.HexFormat.of().formatHex(b);
        java.nio.file.Files.writeString(file, id + "\n");
        return id;
    }
}
