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
}
