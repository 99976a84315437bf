package dev.outpost.wire.config;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.ArrayList;
import java.util.List;

/**
 * Finds keys the config does not know and sections written as something other than a mapping, reports each with
 * the known keys (and the likely intended one), and removes them so that the rest can still be checked.
 */
final class KeyCheck {
    private KeyCheck() {
    }

    static void prune(ObjectNode node, ConfigSchema.Section section, Problems problems) {
        for (String key : new ArrayList<>(names(node))) {
            String path = KeyPaths.child(section.path(), key);
            JsonNode value = node.get(key);
            ConfigSchema.Section sub = section.sections().get(key);
            if (!section.keys().contains(key)) {
                problems.about(path, unknown(key, section));
                node.remove(key);
            } else if (sub != null && value.isNull()) {
                node.remove(key);
            } else if (sub != null && !value.isObject()) {
                problems.key(path, "expected a mapping with the keys " + String.join(", ", sub.keys())
                        + "; found " + YamlDocument.describe(value));
                node.remove(key);
            } else if (sub != null) {
                prune((ObjectNode) value, sub, problems);
            }
        }
    }

    private static String unknown(String key, ConfigSchema.Section section) {
        StringBuilder b = new StringBuilder("unknown key \"").append(key).append('"');
        if (!section.path().isEmpty()) {
            b.append(" in ").append(section.path());
        }
        Suggestions.closest(key, section.keys())
                .ifPresent(s -> b.append("; did you mean \"").append(s).append("\"?"));
        return b.append(" (known keys: ").append(String.join(", ", section.keys())).append(')').toString();
    }

    private static List<String> names(ObjectNode node) {
        List<String> names = new ArrayList<>();
        node.fieldNames().forEachRemaining(names::add);
        return names;
    }
}
