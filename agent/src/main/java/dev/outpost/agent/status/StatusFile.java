package dev.outpost.agent.status;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import dev.outpost.wire.SecureFiles;
import java.io.IOException;
import java.nio.file.Path;

/**
 * {@code status.json} in the state directory: what the daemon last knew, rewritten atomically so that
 * {@code outpost-agent status} can read it while the daemon runs or after it stopped, without any port.
 */
public final class StatusFile {
    public static final String NAME = "status.json";
    private final Path file;
    private final ObjectMapper json = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

    public StatusFile(Path stateDir) {
        this.file = stateDir.resolve(NAME);
    }

    public Path path() {
        return file;
    }

    public void write(AgentStatus status) throws IOException {
        SecureFiles.write(file, json.writeValueAsBytes(status), SecureFiles.PUBLIC);
    }

    public AgentStatus read() throws IOException {
        return json.readValue(file.toFile(), AgentStatus.class);
    }
}
