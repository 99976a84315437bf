package dev.outpost.agent.config;

import dev.outpost.wire.WireNames;
import dev.outpost.wire.config.Violations;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.regex.Pattern;

/**
 * Rules for {@code labels}, the extra resource attributes an agent sends: keys of lower-case letters, digits,
 * {@code _} and {@code .}, and none under {@code outpost.}, which the gateway sets from the agent's certificate
 * (a label could not forge them, but would be silently overwritten).
 */
final class Labels {
    private static final Pattern KEY = Pattern.compile("[a-z0-9_.]+");
    /** The namespace of {@link WireNames#ATTR_ORG} and {@link WireNames#ATTR_AGENT}. */
    static final String RESERVED_PREFIX = "outpost.";

    private Labels() {
    }

    /** Adds a violation of {@code labels} for each bad key or missing value. */
    static void check(Violations v, Map<String, String> labels) {
        for (Map.Entry<String, String> e : labels.entrySet()) {
            String key = e.getKey();
            if (!KEY.matcher(key).matches()) {
                v.add("labels", "\"" + key + "\" is not a valid label key; use lower-case letters, digits, \"_\" "
                        + "and \".\", e.g. \"team\"");
            } else if (key.startsWith(RESERVED_PREFIX)) {
                v.add("labels", "\"" + key + "\" is reserved: the gateway sets " + RESERVED_PREFIX + "* attributes "
                        + "from the agent's certificate; choose a key outside " + RESERVED_PREFIX);
            } else if (e.getValue() == null) {
                v.add("labels", "\"" + key + "\" has no value; write " + key + ": VALUE or remove it");
            }
        }
    }

    /** An unmodifiable copy that keeps the file's order. */
    static Map<String, String> copy(Map<String, String> labels) {
        return Collections.unmodifiableMap(new LinkedHashMap<>(labels));
    }
}
