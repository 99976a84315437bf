package dev.outpost.gateway;

import dev.outpost.gateway.ca.CaFiles;
import dev.outpost.gateway.ca.CertificateAuthority;
import dev.outpost.gateway.ca.MasterKey;
import java.io.IOException;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Clock;
import java.util.Map;

/** A gateway directory with its master key and CA, and the environment that serves it on loopback ephemeral ports. */
final class TestGatewayDir {
    /** Binds both listeners to 127.0.0.1 on ports the system picks. */
    static final Map<String, String> LOOPBACK = Map.of("OUTPOST_GATEWAY_EST_LISTEN", "127.0.0.1:0",
            "OUTPOST_GATEWAY_INGEST_LISTEN", "127.0.0.1:0");

    private TestGatewayDir() {
    }

    /** Serves the gateway in {@code root} (CA created already) on loopback, with {@code settings} as environment. */
    static GatewayRuntime serve(Path root, Map<String, String> settings, Clock clock) throws Exception {
        Map<String, String> env = new java.util.HashMap<>(LOOPBACK);
        env.putAll(settings);
        return GatewayRuntime.start(new GatewayDir(root), dev.outpost.gateway.config.GatewayConfig.defaults(env), env,
                clock);
    }

    /** Creates the master key and the CA in {@code root}; the server certificate is left to the first start. */
    static CertificateAuthority createCa(Path root, Clock clock, SecureRandom random) throws IOException {
        MasterKey master = MasterKey.create(MasterKey.location(root, LOOPBACK), random);
        return new CaFiles(root).create(master, clock, random);
    }
}
