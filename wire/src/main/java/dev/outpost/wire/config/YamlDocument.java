package dev.outpost.wire.config;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.HashMap;
import java.util.Map;

/**
 * Reads a YAML config file into a tree, after a token-by-token pass that records the line of every key (so that
 * errors found later, by key path, can name the line) and reports syntax errors and duplicate keys.
 */
final class YamlDocument {
    private YamlDocument() {
    }

    /**
     * The top-level mapping of {@code yaml}, empty for an empty file; {@code null} if the file cannot be used,
     * with the reason added to {@code problems}.
     */
    static ObjectNode read(byte[] yaml, ObjectMapper mapper, Problems problems) {
        try {
            if (!walk(yaml, mapper, problems)) {
                return null;
            }
            JsonNode tree = mapper.readTree(yaml);
            if (tree == null || tree.isMissingNode() || tree.isNull()) {
                return mapper.createObjectNode();
            }
            if (!tree.isObject()) {
                problems.atLine(1, "the file must be a mapping of keys to values (e.g. \"interval: 10s\"), not "
                        + describe(tree));
                return null;
            }
            return (ObjectNode) tree;
        } catch (JsonProcessingException e) {
            int line = e.getLocation() == null ? 0 : e.getLocation().getLineNr();
            problems.atLine(line, "not valid YAML: " + yamlProblem(e.getOriginalMessage())
                    + "; check the indentation, and quote values that start with [ or { or contain \": \"");
            return null;
        } catch (IOException e) {
            throw new UncheckedIOException("reading YAML from memory failed", e);
        }
    }

    /** Records key lines; false if there is more than one YAML document. */
    private static boolean walk(byte[] yaml, ObjectMapper mapper, Problems problems) throws IOException {
        Deque<Map<String, Integer>> seen = new ArrayDeque<>();
        boolean rootDone = false;
        try (JsonParser p = mapper.getFactory().createParser(yaml)) {
            for (JsonToken t = p.nextToken(); t != null; t = p.nextToken()) {
                int line = p.currentTokenLocation().getLineNr();
                if (rootDone) {
                    problems.atLine(line, "a second YAML document starts here; keep all settings in one document");
                    return false;
                }
                if (t == JsonToken.FIELD_NAME) {
                    String path = KeyPaths.of(p.getParsingContext());
                    Integer first = seen.peek().putIfAbsent(p.currentName(), line);
                    if (first != null) {
                        problems.atLine(line, "duplicate key \"" + path + "\" (first at line " + first
                                + "); keep one of them");
                    }
                    problems.keyAt(path, line);
                } else if (t == JsonToken.START_OBJECT) {
                    seen.push(new HashMap<>());
                } else if (t == JsonToken.END_OBJECT) {
                    seen.pop();
                }
                rootDone = p.getParsingContext().inRoot() && (t.isScalarValue() || t.isStructEnd());
            }
        }
        return true;
    }

    /** SnakeYAML's message without its source snippets: "mapping values are not allowed here". */
    private static String yamlProblem(String message) {
        StringBuilder b = new StringBuilder();
        for (String line : message.split("\n")) {
            if (!line.isBlank() && !Character.isWhitespace(line.charAt(0))) {
                b.append(b.length() == 0 ? "" : "; ").append(line.trim());
            }
        }
        return b.length() == 0 ? message.trim() : b.toString();
    }

    /** A node as errors show it: {@code "text"}, a list, a mapping. */
    static String describe(JsonNode node) {
        if (node.isArray()) {
            return "a list";
        }
        if (node.isObject()) {
            return "a mapping";
        }
        return "\"" + node.asText() + "\"";
    }
}
