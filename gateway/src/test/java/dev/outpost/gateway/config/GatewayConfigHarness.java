package dev.outpost.gateway.config;

import dev.outpost.wire.config.ConfigFuzzHarness;
import java.io.IOException;

/**
 * One {@code gateway.yaml} through {@link GatewayConfig#load} ({@link ConfigFuzzHarness}: a config or one-line
 * errors that say where, nothing else), and the config must have every section.
 */
final class GatewayConfigHarness {
    private static final ConfigFuzzHarness<GatewayConfig> HARNESS = new ConfigFuzzHarness<>("gateway-config",
            GatewayConfig.FILE_NAME, GatewayConfig::load,
            config -> config.est() != null && config.ingest() != null && config.sink() != null);

    private GatewayConfigHarness() {
    }

    static void run(byte[] yaml) throws IOException {
        HARNESS.run(yaml);
    }
}
