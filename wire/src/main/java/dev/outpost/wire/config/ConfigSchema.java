package dev.outpost.wire.config;

import com.fasterxml.jackson.databind.PropertyNamingStrategies;
import java.lang.reflect.RecordComponent;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Collections;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * The keys a config record accepts, found from its components: a component whose type is a record (other than a
 * value type with its own parser) is a nested section, anything else is a leaf. Names are snake_case, as in the
 * file. The schema gives the known keys of each section and the environment variable of each leaf.
 */
final class ConfigSchema {
    /** How a leaf's environment variable is read: one value, a comma list, or {@code k=v,k=v}. */
    enum Kind {
        VALUE, LIST, MAP
    }

    /** A key holding a value, with the section keys leading to it. */
    record Leaf(List<String> segments, Class<?> type, Kind kind) {
        String path() {
            return String.join(".", segments);
        }
    }

    /** A key holding a mapping of further keys, in declaration order. */
    record Section(String path, Class<?> type, List<String> keys, Map<String, Section> sections) {
    }

    private final Section root;
    private final List<Leaf> leaves = new ArrayList<>();
    private final Map<Class<?>, String> sectionPaths = new HashMap<>();

    private ConfigSchema(Class<?> rootType, Set<Class<?>> valueTypes) {
        this.root = section(rootType, List.of(), valueTypes);
    }

    /**
     * The schema of {@code rootType}.
     *
     * @throws IllegalArgumentException if it is not a record, or a section type is used at two paths
     */
    static ConfigSchema of(Class<?> rootType, Set<Class<?>> valueTypes) {
        if (!rootType.isRecord()) {
            throw new IllegalArgumentException("config type " + rootType.getName() + " is not a record");
        }
        return new ConfigSchema(rootType, valueTypes);
    }

    Section root() {
        return root;
    }

    List<Leaf> leaves() {
        return Collections.unmodifiableList(leaves);
    }

    /** Where a section type sits, e.g. {@code "push"}; the top level is {@code ""}. */
    Optional<String> pathOf(Class<?> sectionType) {
        return Optional.ofNullable(sectionPaths.get(sectionType));
    }

    /**
     * Environment variable name to leaf, e.g. {@code OUTPOST_AGENT_PUSH_TIMEOUT} for {@code push.timeout}.
     *
     * @throws IllegalArgumentException if two keys would share a variable
     */
    Map<String, Leaf> variables(String prefix) {
        Map<String, Leaf> out = new LinkedHashMap<>();
        for (Leaf leaf : leaves) {
            String name = prefix + String.join("_", leaf.segments()).toUpperCase(Locale.ROOT);
            Leaf other = out.put(name, leaf);
            if (other != null) {
                throw new IllegalArgumentException(
                        "keys " + other.path() + " and " + leaf.path() + " both map to " + name);
            }
        }
        return out;
    }

    private Section section(Class<?> type, List<String> at, Set<Class<?>> valueTypes) {
        String path = String.join(".", at);
        String previous = sectionPaths.put(type, path);
        if (previous != null) {
            throw new IllegalArgumentException("section type " + type.getName() + " is used at both \""
                    + previous + "\" and \"" + path + "\"; give each section its own record");
        }
        List<String> keys = new ArrayList<>();
        Map<String, Section> sections = new LinkedHashMap<>();
        for (RecordComponent c : type.getRecordComponents()) {
            String key = PropertyNamingStrategies.SNAKE_CASE.nameForField(null, null, c.getName());
            keys.add(key);
            List<String> segments = new ArrayList<>(at);
            segments.add(key);
            if (c.getType().isRecord() && !valueTypes.contains(c.getType())) {
                sections.put(key, section(c.getType(), segments, valueTypes));
            } else {
                leaves.add(new Leaf(List.copyOf(segments), c.getType(), kindOf(c.getType())));
            }
        }
        return new Section(path, type, List.copyOf(keys), Collections.unmodifiableMap(sections));
    }

    private static Kind kindOf(Class<?> type) {
        if (Collection.class.isAssignableFrom(type)) {
            return Kind.LIST;
        }
        return Map.class.isAssignableFrom(type) ? Kind.MAP : Kind.VALUE;
    }
}
