package dev.outpost.wire.config;

import java.util.function.Function;

/**
 * How {@link ConfigLoader} reads a value type written as one string (e.g. a listen address {@code "0.0.0.0:8443"}).
 * The parser throws {@link IllegalArgumentException} with a message that quotes the text and says what to write.
 */
public record ValueParser<T>(Class<T> type, Function<String, ? extends T> parser) {
    public ValueParser {
        if (type == null || parser == null) {
            throw new IllegalArgumentException("a value parser needs a type and a function, got " + type);
        }
    }

    /** Shorthand for the constructor. */
    public static <T> ValueParser<T> of(Class<T> type, Function<String, ? extends T> parser) {
        return new ValueParser<>(type, parser);
    }
}
