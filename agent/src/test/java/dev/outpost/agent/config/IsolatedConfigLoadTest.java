package dev.outpost.agent.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.outpost.wire.config.ConfigException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The daemon's config, read through a throwaway class loader, is what the plain reader reads, errors included. */
class IsolatedConfigLoadTest {
    @TempDir
    Path dir;

    @Test
    void aValidConfigReadsTheSameWithEnvironmentOverrides() throws Exception {
        Path file = Files.writeString(dir.resolve("agent.yaml"), "server: https://gw.example.com:8443\ninterval: 30s\n"
                + "labels:\n  team: db\npush:\n  timeout: 20s\nqueue:\n  max_bytes: 67108864\nlog:\n  level: debug\n");
        Map<String, String> env = Map.of("OUTPOST_AGENT_STATE_DIR", "/srv/outpost");
        AgentConfig isolated = AgentConfig.loadIsolated(file, env);
        assertEquals(AgentConfig.load(file, env), isolated);
        assertEquals(AgentConfig.class, isolated.getClass());
        assertEquals(Path.of("/srv/outpost"), isolated.stateDir());
    }

    @Test
    void errorsNameTheFileLineKeyAndValueAsThePlainReaderDoes() throws Exception {
        Path file = Files.writeString(dir.resolve("agent.yaml"), "server: https://gw.example.com:8443\n"
                + "intervall: 10s\npush:\n  timeout: 0s\n");
        ConfigException plain = assertThrows(ConfigException.class, () -> AgentConfig.load(file, Map.of()));
        ConfigException isolated = assertThrows(ConfigException.class, () -> AgentConfig.loadIsolated(file, Map.of()));
        assertEquals(plain.errors(), isolated.errors());
        assertEquals(2, isolated.errors().size(), isolated.getMessage());
    }

    @Test
    void aMissingFileSaysWhatToDo() {
        Path file = dir.resolve("missing.yaml");
        ConfigException plain = assertThrows(ConfigException.class, () -> AgentConfig.load(file, Map.of()));
        ConfigException isolated = assertThrows(ConfigException.class, () -> AgentConfig.loadIsolated(file, Map.of()));
        assertEquals(plain.getMessage(), isolated.getMessage());
    }
}
