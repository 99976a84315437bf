package dev.outpost.wire.config;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The errors of one load. Each is found by key path and shown where its value came from: {@code FILE:LINE: key: ...}
 * for a value in the file, {@code environment VAR: ...} for one from an environment variable.
 */
final class Problems {
    private record Problem(String path, int line, String text, boolean keyed) {
    }

    private final String file;
    private final Map<String, Integer> lines = new HashMap<>();
    private final Map<String, String> variables = new HashMap<>();
    private final List<Problem> problems = new ArrayList<>();
    private final Set<String> keyedPaths = new HashSet<>();

    Problems(String file) {
        this.file = file;
    }

    /** Remembers the line of a key in the file (the first, if the key is written twice). */
    void keyAt(String path, int line) {
        lines.putIfAbsent(path, line);
    }

    /** Remembers that the value at {@code path} came from an environment variable. */
    void fromEnvironment(String path, String variable) {
        variables.put(path, variable);
    }

    /** A problem in the file at a known line, not tied to one key (syntax, duplicate keys). */
    void atLine(int line, String message) {
        problems.add(new Problem(null, line, message, false));
    }

    /** A problem located by key path whose message names the key itself (e.g. an unknown key). */
    void about(String path, String message) {
        problems.add(new Problem(path, 0, message, false));
    }

    /** A value at {@code path} that could not be read; only the first of a path is kept. */
    void key(String path, String detail) {
        if (keyedPaths.add(path)) {
            problems.add(new Problem(path, 0, detail, true));
        }
    }

    /** True if the value at {@code path}, or one inside it, already has a problem. */
    boolean reportedAtOrUnder(String path) {
        for (String known : keyedPaths) {
            if (known.equals(path) || path.isEmpty() || known.startsWith(path + ".") || known.startsWith(path + "[")) {
                return true;
            }
        }
        return false;
    }

    /** A value at {@code path} that was read but is not acceptable; a path may have several. */
    void violation(String path, String detail) {
        keyedPaths.add(path);
        problems.add(new Problem(path, 0, detail, true));
    }

    boolean isEmpty() {
        return problems.isEmpty();
    }

    /** Everything found, file errors by line first, then those from the environment. */
    ConfigException toException() {
        List<Problem> sorted = new ArrayList<>(problems);
        sorted.sort(Comparator.comparingLong(this::order));
        List<String> out = new ArrayList<>();
        for (Problem p : sorted) {
            out.add(render(p));
        }
        return new ConfigException(out);
    }

    private long order(Problem p) {
        if (p.line == 0 && variableOf(p.path) != null) {
            return Long.MAX_VALUE;
        }
        int line = lineOf(p);
        return line > 0 ? line : Integer.MAX_VALUE;
    }

    private String render(Problem p) {
        String variable = p.line == 0 ? variableOf(p.path) : null;
        if (variable != null) {
            return "environment " + variable + ": " + oneLine(p.text);
        }
        int line = lineOf(p);
        String where = line > 0 ? file + ":" + line : file;
        return where + ": " + oneLine((p.keyed && !p.path.isEmpty() ? p.path + ": " : "") + p.text);
    }

    /**
     * The text with control characters escaped ({@code \n}, {@code \u0007}): each error is one line, even where it
     * quotes a value or key that holds a line break, so that it can neither split nor forge lines of the report.
     */
    static String oneLine(String text) {
        StringBuilder b = null;
        for (int i = 0; i < text.length(); i++) {
            char c = text.charAt(i);
            if (c < 0x20 || c == 0x7f || c == '\u2028' || c == '\u2029' || c == '\u0085') {
                if (b == null) {
                    b = new StringBuilder(text.length() + 16).append(text, 0, i);
                }
                switch (c) {
                    case '\n' -> b.append("\\n");
                    case '\r' -> b.append("\\r");
                    case '\t' -> b.append("\\t");
                    default -> b.append(String.format("\\u%04x", (int) c));
                }
            } else if (b != null) {
                b.append(c);
            }
        }
        return b == null ? text : b.toString();
    }

    private int lineOf(Problem p) {
        if (p.line > 0) {
            return p.line;
        }
        for (String s = p.path; s != null; s = KeyPaths.parent(s)) {
            Integer line = lines.get(s);
            if (line != null) {
                return line;
            }
        }
        return 0;
    }

    private String variableOf(String path) {
        for (String s = path; s != null; s = KeyPaths.parent(s)) {
            String variable = variables.get(s);
            if (variable != null) {
                return variable;
            }
        }
        return null;
    }
}
