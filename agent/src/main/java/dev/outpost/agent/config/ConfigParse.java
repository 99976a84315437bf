package dev.outpost.agent.config;

import dev.outpost.wire.config.ConfigException;
import dev.outpost.wire.config.ConfigLoader;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

/**
 * Reads agent.yaml with {@link ConfigLoader}. Defined by the throwaway class loader of {@link IsolatedConfigLoad}
 * (never by the application's), so that the loader, Jackson and SnakeYAML it uses go with that class loader.
 */
public final class ConfigParse {
    private ConfigParse() {
    }

    /** Called by reflection from {@link IsolatedConfigLoad#load}. */
    public static AgentConfig load(Path file, Map<String, String> env) throws ConfigException {
        return new ConfigLoader<>(AgentConfig.class, AgentConfig.ENV_PREFIX, AgentConfig.MISSING_FILE_HINT, List.of())
                .load(file, env);
    }
}
