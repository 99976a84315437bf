package dev.outpost.wire.config;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.List;
import java.util.Map;

/**
 * Puts environment variables over the file: each leaf key has one variable, its path upper-cased and joined by
 * {@code _} after a prefix. Lists are comma-separated, maps {@code k=v,k=v}; either replaces the file's value
 * entirely. An empty value means the default, as an empty value in the file does (an empty list or map for those).
 */
final class EnvOverrides {
    private static final JsonNodeFactory NODES = JsonNodeFactory.instance;

    private EnvOverrides() {
    }

    static void apply(ObjectNode tree, Map<String, ConfigSchema.Leaf> variables, Map<String, String> env,
            Problems problems) {
        for (Map.Entry<String, ConfigSchema.Leaf> v : variables.entrySet()) {
            String text = env.get(v.getKey());
            if (text == null) {
                continue;
            }
            ConfigSchema.Leaf leaf = v.getValue();
            problems.fromEnvironment(leaf.path(), v.getKey());
            JsonNode value = toNode(leaf, text, problems);
            if (value != null) {
                sectionOf(tree, leaf.segments()).set(leaf.segments().get(leaf.segments().size() - 1), value);
            }
        }
    }

    private static JsonNode toNode(ConfigSchema.Leaf leaf, String text, Problems problems) {
        switch (leaf.kind()) {
            case LIST:
                ArrayNode list = NODES.arrayNode();
                for (String item : text.split(",")) {
                    if (!item.isBlank()) {
                        list.add(item.trim());
                    }
                }
                return list;
            case MAP:
                ObjectNode map = NODES.objectNode();
                for (String item : text.split(",")) {
                    if (item.isBlank()) {
                        continue;
                    }
                    int eq = item.indexOf('=');
                    if (eq <= 0 || item.substring(0, eq).isBlank()) {
                        problems.key(leaf.path(), "\"" + text + "\" is not a list of key=value pairs; use e.g. "
                                + "\"env=prod,team=db\"");
                        return null;
                    }
                    map.put(item.substring(0, eq).trim(), item.substring(eq + 1).trim());
                }
                return map;
            default:
                return text.isEmpty() ? NODES.nullNode() : NODES.textNode(text);
        }
    }

    /** The mapping that holds the leaf, created if the file does not have it. */
    private static ObjectNode sectionOf(ObjectNode tree, List<String> segments) {
        ObjectNode node = tree;
        for (String s : segments.subList(0, segments.size() - 1)) {
            JsonNode child = node.get(s);
            node = child instanceof ObjectNode ? (ObjectNode) child : node.putObject(s);
        }
        return node;
    }
}
