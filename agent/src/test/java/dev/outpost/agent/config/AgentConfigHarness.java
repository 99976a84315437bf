package dev.outpost.agent.config;

import dev.outpost.wire.config.ConfigException;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * One {@code agent.yaml} (written to a file in {@code target/}, as the loader reads it) through
 * {@link AgentConfig#load}. Leading comment lines {@code #!env NAME=VALUE} also set that environment variable, so
 * that inputs reach the overrides. The loader must return a config or throw {@link ConfigException}, nothing else;
 * each error is one line that says where it comes from (the file and line, or the variable), and the whole report
 * is bounded.
 */
final class AgentConfigHarness {
    private static final Path FILE = file();
    static final int MAX_REPORT_CHARS = 64 * 1024;

    private AgentConfigHarness() {
    }

    private static Path file() {
        try {
            return Files.createTempDirectory(Files.createDirectories(Path.of("target", "fuzz")), "agent-config")
                    .resolve("agent.yaml");
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }

    static void run(byte[] yaml) throws IOException {
        Files.write(FILE, yaml);
        Map<String, String> env = env(yaml);
        AgentConfig config;
        try {
            config = AgentConfig.load(FILE, env);
        } catch (ConfigException e) {
            check(e.getMessage().length() <= MAX_REPORT_CHARS, "a report of " + e.getMessage().length() + " chars");
            for (String error : e.errors()) {
                check(error.startsWith(FILE + ":") || error.startsWith("environment "),
                        "an error that does not say where: " + error);
                check(error.indexOf('\n') < 0 && error.indexOf('\r') < 0, "an error of more than one line: " + error);
            }
            return;
        }
        check(config != null && config.server() != null && "https".equals(config.ingestUrl().getScheme())
                && config.stateDir().isAbsolute() && config.queue() != null && config.push() != null,
                "a config the agent cannot run with: " + config);
    }

    /** {@code #!env NAME=VALUE} lines at the top of the file. */
    static Map<String, String> env(byte[] yaml) {
        Map<String, String> env = new LinkedHashMap<>();
        for (String line : new String(yaml, StandardCharsets.UTF_8).split("\n", 64)) {
            if (!line.startsWith("#!env ")) {
                break;
            }
            int eq = line.indexOf('=');
            if (eq > 6) {
                env.put(line.substring(6, eq), line.substring(eq + 1));
            }
        }
        return env;
    }

    private static void check(boolean ok, String what) {
        if (!ok) {
            throw new AssertionError(what);
        }
    }
}
