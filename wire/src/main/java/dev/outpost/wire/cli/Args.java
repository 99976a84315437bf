package dev.outpost.wire.cli;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * A parsed command line: {@code --name value} options (repeatable), {@code --flag} switches and positional
 * words. Unknown options are errors that name the option and list the known ones.
 */
public final class Args {
    /** A command line that cannot be understood; the message says what to type instead. */
    public static final class UsageException extends Exception {
        private static final long serialVersionUID = 1L;

        public UsageException(String message) {
            super(message, null, false, false);
        }
    }

    private final Map<String, List<String>> options = new LinkedHashMap<>();
    private final List<String> positional = new ArrayList<>();

    private Args() {
    }

    /**
     * Parses {@code argv}. {@code withValue} names options that take a value, {@code flags} those that do not;
     * {@code --name=value} is accepted too.
     */
    public static Args parse(List<String> argv, Set<String> withValue, Set<String> flags) throws UsageException {
        Args a = new Args();
        for (int i = 0; i < argv.size(); i++) {
            String w = argv.get(i);
            if (!w.startsWith("--") || w.equals("--")) {
                a.positional.add(w);
                continue;
            }
            String name = w.substring(2);
            String value = null;
            int eq = name.indexOf('=');
            if (eq >= 0) {
                value = name.substring(eq + 1);
                name = name.substring(0, eq);
            }
            if (flags.contains(name) && value == null) {
                a.options.computeIfAbsent(name, k -> new ArrayList<>()).add("true");
            } else if (withValue.contains(name)) {
                if (value == null) {
                    if (i + 1 >= argv.size()) {
                        throw new UsageException("option --" + name + " needs a value");
                    }
                    value = argv.get(++i);
                }
                a.options.computeIfAbsent(name, k -> new ArrayList<>()).add(value);
            } else {
                List<String> known = new ArrayList<>();
                withValue.forEach(k -> known.add("--" + k));
                flags.forEach(k -> known.add("--" + k));
                known.sort(null);
                throw new UsageException("unknown option --" + name + (known.isEmpty() ? ""
                        : "; known options: " + String.join(", ", known)));
            }
        }
        return a;
    }

    /** The last value of {@code name}, or {@code fallback}. */
    public String get(String name, String fallback) {
        List<String> v = options.get(name);
        return v == null ? fallback : v.get(v.size() - 1);
    }

    /** The value of a required option. */
    public String require(String name) throws UsageException {
        String v = get(name, null);
        if (v == null || v.isBlank()) {
            throw new UsageException("option --" + name + " is required");
        }
        return v;
    }

    /** Every value of a repeatable option. */
    public List<String> all(String name) {
        return options.getOrDefault(name, List.of());
    }

    public boolean flag(String name) {
        return options.containsKey(name);
    }

    public List<String> positional() {
        return positional;
    }

    /** An integer option within [min, max]. */
    public int intValue(String name, int fallback, int min, int max) throws UsageException {
        String v = get(name, null);
        if (v == null) {
            return fallback;
        }
        try {
            int n = Integer.parseInt(v.trim());
            if (n < min || n > max) {
                throw new NumberFormatException();
            }
            return n;
        } catch (NumberFormatException e) {
            throw new UsageException("--" + name + " \"" + v + "\" must be a whole number from " + min + " to " + max);
        }
    }
}
