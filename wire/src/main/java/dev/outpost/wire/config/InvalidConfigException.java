package dev.outpost.wire.config;

import java.util.List;
import java.util.stream.Collectors;

/**
 * Thrown by a config section's constructor when values are invalid; carries every violation of that section so
 * that {@link ConfigLoader} can report each one at the line or environment variable it came from.
 */
public final class InvalidConfigException extends IllegalArgumentException {
    private static final long serialVersionUID = 1L;
    private final transient List<Violation> violations;

    public InvalidConfigException(List<Violation> violations) {
        super(violations.stream().map(Violation::toString).collect(Collectors.joining("; ")));
        if (violations.isEmpty()) {
            throw new IllegalArgumentException("an InvalidConfigException needs at least one violation");
        }
        this.violations = List.copyOf(violations);
    }

    /** The violations, in the order the section checked them. */
    public List<Violation> violations() {
        return violations;
    }
}
