package dev.outpost.wire.config;

import dev.outpost.wire.Durations;
import java.net.URI;
import java.net.URISyntaxException;
import java.nio.file.InvalidPathException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.stream.Collectors;

/**
 * The value types every config file may use, each read strictly with a message that says what to write:
 * durations ({@link Durations}), whole numbers, paths, URLs, and enums (by name, in any case).
 */
final class ValueParsers {
    private ValueParsers() {
    }

    static List<ValueParser<?>> builtIn() {
        List<ValueParser<?>> parsers = new ArrayList<>();
        parsers.add(ValueParser.of(Duration.class, Durations::parse));
        parsers.add(ValueParser.of(Long.class, ValueParsers::wholeNumber));
        parsers.add(ValueParser.of(Integer.class, t -> Math.toIntExact(wholeNumber(t, Integer.MIN_VALUE,
                Integer.MAX_VALUE))));
        parsers.add(ValueParser.of(Path.class, ValueParsers::path));
        parsers.add(ValueParser.of(URI.class, ValueParsers::uri));
        return parsers;
    }

    /** Reads an enum constant by name, ignoring case: {@code info} is {@code INFO}. */
    static <E extends Enum<E>> ValueParser<E> forEnum(Class<E> type) {
        E[] constants = type.getEnumConstants();
        String names = Arrays.stream(constants).map(c -> c.name().toLowerCase(Locale.ROOT))
                .collect(Collectors.joining(", "));
        return ValueParser.of(type, text -> Arrays.stream(constants)
                .filter(c -> c.name().equalsIgnoreCase(text.trim()))
                .findFirst()
                .orElseThrow(() -> new IllegalArgumentException("\"" + text + "\" is not one of " + names)));
    }

    private static long wholeNumber(String text) {
        return wholeNumber(text, Long.MIN_VALUE, Long.MAX_VALUE);
    }

    private static long wholeNumber(String text, long min, long max) {
        String digits = text.trim().replace("_", "");
        if (!digits.matches("[+-]?\\d+")) {
            throw new IllegalArgumentException("\"" + text + "\" is not a whole number; write digits only, "
                    + "without a unit");
        }
        try {
            long n = Long.parseLong(digits);
            if (n >= min && n <= max) {
                return n;
            }
        } catch (NumberFormatException e) {
            // too many digits: reported below
        }
        throw new IllegalArgumentException("\"" + text + "\" is far too large for this setting");
    }

    private static Path path(String text) {
        if (text.isBlank()) {
            throw new IllegalArgumentException("\"" + text + "\" is not a path");
        }
        try {
            return Path.of(text);
        } catch (InvalidPathException e) {
            throw new IllegalArgumentException("\"" + text + "\" is not a valid path: " + e.getReason(), e);
        }
    }

    private static URI uri(String text) {
        try {
            return new URI(text);
        } catch (URISyntaxException e) {
            throw new IllegalArgumentException("\"" + Violations.redactUrl(text) + "\" is not a URL ("
                    + e.getReason().toLowerCase(Locale.ROOT) + "); use e.g. \"https://gateway.example.com:8443\"", e);
        }
    }
}
