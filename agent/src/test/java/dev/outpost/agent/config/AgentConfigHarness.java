package dev.outpost.agent.config;

import dev.outpost.wire.config.ConfigFuzzHarness;
import java.io.IOException;

/**
 * One {@code agent.yaml} through {@link AgentConfig#load} ({@link ConfigFuzzHarness}: a config or one-line errors
 * that say where, nothing else), and the config must be one the agent can run with.
 */
final class AgentConfigHarness {
    private static final ConfigFuzzHarness<AgentConfig> HARNESS = new ConfigFuzzHarness<>("agent-config",
            "agent.yaml", AgentConfig::load, config -> config.server() != null
                    && "https".equals(config.ingestUrl().getScheme()) && config.stateDir().isAbsolute()
                    && config.queue() != null && config.push() != null);

    private AgentConfigHarness() {
    }

    static void run(byte[] yaml) throws IOException {
        HARNESS.run(yaml);
    }
}
