package dev.outpost.wire.config;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.databind.DeserializationContext;
import com.fasterxml.jackson.databind.JavaType;
import com.fasterxml.jackson.databind.ObjectReader;
import com.fasterxml.jackson.databind.deser.DeserializationProblemHandler;
import com.fasterxml.jackson.databind.deser.ValueInstantiator;
import java.io.IOException;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Turns Jackson's binding problems into config errors and lets binding go on, so one load reports every bad
 * value: a rejected value becomes its default, and a section whose constructor rejects its values becomes the
 * section's defaults. Errors are found by the key path the parser is at.
 */
final class ProblemCollector extends DeserializationProblemHandler {
    private final ConfigSchema schema;
    private final Problems problems;
    private final ObjectReader defaults;

    /** {@code defaults} reads sections without this handler, to build a section's default instance. */
    ProblemCollector(ConfigSchema schema, Problems problems, ObjectReader defaults) {
        this.schema = schema;
        this.problems = problems;
        this.defaults = defaults;
    }

    @Override
    public Object handleWeirdStringValue(DeserializationContext ctxt, Class<?> targetType, String value,
            String failureMsg) {
        problems.key(KeyPaths.of(ctxt.getParser().getParsingContext()), failureMsg);
        return null;
    }

    @Override
    public Object handleUnexpectedToken(DeserializationContext ctxt, JavaType targetType, JsonToken t,
            JsonParser p, String failureMsg) throws IOException {
        problems.key(KeyPaths.of(p.getParsingContext()), "expected " + expected(targetType.getRawClass())
                + "; found " + found(p));
        p.skipChildren();
        return null;
    }

    @Override
    public Object handleMissingInstantiator(DeserializationContext ctxt, Class<?> instClass,
            ValueInstantiator valueInsta, JsonParser p, String msg) throws IOException {
        problems.key(KeyPaths.of(p.getParsingContext()), "expected " + expected(instClass) + "; found " + found(p));
        p.skipChildren();
        return null;
    }

    @Override
    public Object handleInstantiationProblem(DeserializationContext ctxt, Class<?> instClass, Object argument,
            Throwable t) throws IOException {
        Optional<String> section = schema.pathOf(instClass);
        InvalidConfigException invalid = find(t);
        if (section.isEmpty() || section.get().isEmpty() || invalid == null) {
            return NOT_HANDLED;
        }
        report(section.get(), invalid, problems);
        return defaults.forType(instClass).readValue(defaults.createObjectNode());
    }

    /**
     * Adds each violation of a section at {@code sectionPath}, except those about values already reported as
     * unreadable (they were replaced by defaults, so the range check says nothing new).
     */
    static void report(String sectionPath, InvalidConfigException invalid, Problems problems) {
        List<String> paths = new ArrayList<>();
        for (Violation v : invalid.violations()) {
            String path = v.key().isEmpty() ? sectionPath : KeyPaths.child(sectionPath, v.key());
            paths.add(problems.reportedAtOrUnder(path) ? null : path);
        }
        for (int i = 0; i < paths.size(); i++) {
            if (paths.get(i) != null) {
                problems.violation(paths.get(i), invalid.violations().get(i).detail());
            }
        }
    }

    /** The {@link InvalidConfigException} among the causes of {@code t}, if any. */
    static InvalidConfigException find(Throwable t) {
        for (Throwable c = t; c != null; c = c.getCause()) {
            if (c instanceof InvalidConfigException) {
                return (InvalidConfigException) c;
            }
        }
        return null;
    }

    private static String expected(Class<?> type) {
        if (Collection.class.isAssignableFrom(type)) {
            return "a list, e.g. [a, b]";
        }
        if (Map.class.isAssignableFrom(type)) {
            return "a mapping, e.g. {key: value}";
        }
        return "a single value";
    }

    private static String found(JsonParser p) throws IOException {
        JsonToken t = p.currentToken();
        if (t == JsonToken.START_ARRAY) {
            return "a list";
        }
        if (t == JsonToken.START_OBJECT) {
            return "a mapping";
        }
        return "\"" + p.getText() + "\"";
    }
}
