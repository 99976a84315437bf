package dev.outpost.wire.config;

import java.util.List;

/**
 * A config file or environment that cannot be used. The message is meant for the operator as it is: one error
 * per line, each naming the file and line (or the environment variable), the key, the bad value and the fix.
 * Programs print it and exit with {@link ConfigLoader#EX_CONFIG}; there is no stack trace to show.
 */
public final class ConfigException extends Exception {
    private static final long serialVersionUID = 1L;
    private final List<String> errors;

    public ConfigException(List<String> errors) {
        super(String.join("\n", errors), null, false, false);
        if (errors.isEmpty()) {
            throw new IllegalArgumentException("a ConfigException needs at least one error");
        }
        this.errors = List.copyOf(errors);
    }

    /** The errors, one per entry, in the order of the file's lines, then those from the environment. */
    public List<String> errors() {
        return errors;
    }
}
