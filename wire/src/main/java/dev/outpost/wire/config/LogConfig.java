package dev.outpost.wire.config;

import java.util.List;
import java.util.Locale;

/**
 * The {@code log} section both programs share. The level is one of {@code error}, {@code warn}, {@code info},
 * {@code debug} (any case in the file, lower case here); missing means {@code info}.
 */
public record LogConfig(String level) {
    /** The accepted levels, quietest first. */
    public static final List<String> LEVELS = List.of("error", "warn", "info", "debug");
    public static final String DEFAULT_LEVEL = "info";

    public LogConfig {
        level = level == null ? DEFAULT_LEVEL : level.toLowerCase(Locale.ROOT);
        if (!LEVELS.contains(level)) {
            Violations v = new Violations();
            v.add("level", "\"" + level + "\" is not one of " + String.join(", ", LEVELS));
            v.throwIfAny();
        }
    }

    /** {@code level: info}. */
    public static LogConfig defaults() {
        return new LogConfig(null);
    }
}
