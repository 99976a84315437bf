package dev.outpost.wire.config;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.function.Predicate;

/**
 * A config loader's fuzz target (the agent's and the gateway's): one YAML input, written to a file in
 * {@code target/fuzz/} (as the loader reads it), through the loader. Leading comment lines {@code #!env NAME=VALUE}
 * also set that environment variable, so that inputs reach the overrides. The loader must return a config it can
 * run with or throw {@link ConfigException}, nothing else; each error is one line that says where it comes from
 * (the file and line, or the variable), and the whole report is bounded.
 *
 * @param <T> the config
 */
public final class ConfigFuzzHarness<T> {
    /** The longest report allowed. */
    public static final int MAX_REPORT_CHARS = 64 * 1024;
    private final Path file;
    private final Loader<T> loader;
    private final Predicate<T> runnable;

    /** A config loader, as {@code AgentConfig::load}. */
    public interface Loader<T> {
        T load(Path file, Map<String, String> env) throws ConfigException;
    }

    /**
     * @param name     names the directory under {@code target/fuzz/}
     * @param fileName the config file's name
     * @param runnable holds for a config the program can run with
     */
    public ConfigFuzzHarness(String name, String fileName, Loader<T> loader, Predicate<T> runnable) {
        try {
            this.file = Files.createTempDirectory(Files.createDirectories(Path.of("target", "fuzz")), name)
                    .resolve(fileName);
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
        this.loader = loader;
        this.runnable = runnable;
    }

    public void run(byte[] yaml) throws IOException {
        Files.write(file, yaml);
        T config;
        try {
            config = loader.load(file, env(yaml));
        } catch (ConfigException e) {
            check(e.getMessage().length() <= MAX_REPORT_CHARS, "a report of " + e.getMessage().length() + " chars");
            for (String error : e.errors()) {
                check(error.startsWith(file + ":") || error.startsWith("environment "),
                        "an error that does not say where: " + error);
                check(error.indexOf('\n') < 0 && error.indexOf('\r') < 0, "an error of more than one line: " + error);
            }
            return;
        }
        check(config != null && runnable.test(config), "a config the program cannot run with: " + config);
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
