package dev.outpost.wire.config;

import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonMappingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.PropertyNamingStrategies;
import com.fasterxml.jackson.databind.module.SimpleModule;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;
import dev.outpost.wire.cli.ExitCodes;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.AccessDeniedException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Loads a config record from a YAML file and the environment, rejecting anything it does not understand, and
 * reports every error at once, each at the file line or environment variable it came from. The steps: read the
 * file (recording key lines), reject unknown keys, apply environment overrides, bind with Jackson (snake_case
 * keys, strict value types) and let the records' constructors check ranges. Writes nothing, exits nothing.
 *
 * @param <T> the config record; nested records are sections, see {@link ConfigSchema}
 */
public final class ConfigLoader<T extends Record> {
    /** The exit status for configuration errors ({@code sysexits.h} EX_CONFIG). */
    public static final int EX_CONFIG = ExitCodes.CONFIG;
    /**
     * The largest config file read, in bytes. The commented defaults are about 5 KB; a file much larger is the wrong
     * file, and parsing a few MiB would exhaust the agent's small heap.
     */
    public static final int MAX_FILE_BYTES = 64 * 1024;

    private final Class<T> type;
    private final String missingFileHint;
    private final ConfigSchema schema;
    private final Map<String, ConfigSchema.Leaf> variables;
    private final ObjectMapper mapper;

    /**
     * @param type the config record
     * @param envPrefix prefix of the override variables, e.g. {@code "OUTPOST_AGENT_"}
     * @param missingFileHint what to do when the file does not exist, e.g. {@code "copy config/agent.yaml there"}
     * @param valueParsers parsers for value types beyond durations, numbers, paths, URLs and enums
     */
    public ConfigLoader(Class<T> type, String envPrefix, String missingFileHint, List<ValueParser<?>> valueParsers) {
        if (type == null || missingFileHint == null || valueParsers == null) {
            throw new IllegalArgumentException("a config loader needs a type, a hint and parsers, got " + type + ", "
                    + missingFileHint + ", " + valueParsers);
        }
        if (envPrefix == null || !envPrefix.matches("[A-Z][A-Z0-9_]*_")) {
            throw new IllegalArgumentException("env prefix \"" + envPrefix + "\" must be upper case ending in _");
        }
        List<ValueParser<?>> parsers = new ArrayList<>(ValueParsers.builtIn());
        parsers.addAll(valueParsers);
        Set<Class<?>> valueTypes = new HashSet<>();
        parsers.forEach(p -> valueTypes.add(p.type()));
        this.type = type;
        this.missingFileHint = missingFileHint;
        this.schema = ConfigSchema.of(type, valueTypes);
        this.variables = schema.variables(envPrefix);
        for (ConfigSchema.Leaf leaf : schema.leaves()) {
            if (leaf.type().isEnum() && !valueTypes.contains(leaf.type())) {
                parsers.add(enumParser(leaf.type()));
                valueTypes.add(leaf.type());
            }
        }
        SimpleModule module = new SimpleModule("outpost-config-values");
        parsers.forEach(p -> register(module, p));
        this.mapper = YAMLMapper.builder()
                .propertyNamingStrategy(PropertyNamingStrategies.SNAKE_CASE)
                .enable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES)
                .addModule(module)
                .build();
    }

    /** Every override variable and the key it sets, in the order of the record's components. */
    public Map<String, String> environmentVariables() {
        Map<String, String> out = new LinkedHashMap<>();
        variables.forEach((name, leaf) -> out.put(name, leaf.path()));
        return out;
    }

    /**
     * Reads {@code file}, then overrides from {@code env} (normally {@code System.getenv()}).
     *
     * @throws ConfigException listing every problem found, one per line
     */
    public T load(Path file, Map<String, String> env) throws ConfigException {
        Problems problems = new Problems(file.toString());
        ObjectNode tree = YamlDocument.read(read(file), mapper, problems);
        if (tree == null) {
            throw problems.toException();
        }
        KeyCheck.prune(tree, schema.root(), problems);
        return overrideAndBind(tree, env, problems);
    }

    /**
     * The defaults with overrides from {@code env}, for a program run without a config file.
     *
     * @throws ConfigException listing every problem found, one per line
     */
    public T loadWithoutFile(Map<String, String> env) throws ConfigException {
        return overrideAndBind(mapper.createObjectNode(), env, new Problems("(no config file)"));
    }

    private T overrideAndBind(ObjectNode tree, Map<String, String> env, Problems problems) throws ConfigException {
        EnvOverrides.apply(tree, variables, env, problems);
        T config = bind(tree, problems);
        if (!problems.isEmpty()) {
            throw problems.toException();
        }
        return config;
    }

    private T bind(ObjectNode tree, Problems problems) {
        try {
            return mapper.readerFor(type)
                    .withHandler(new ProblemCollector(schema, problems, mapper.reader()))
                    .readValue(tree);
        } catch (JsonMappingException e) {
            InvalidConfigException invalid = ProblemCollector.find(e);
            if (invalid != null) {
                ProblemCollector.report("", invalid, problems);
            } else {
                problems.key(KeyPaths.of(e.getPath()), e.getOriginalMessage().lines().findFirst().orElse(""));
            }
            return null;
        } catch (IOException e) {
            throw new IllegalStateException("binding a tree in memory failed", e);
        }
    }

    private byte[] read(Path file) throws ConfigException {
        try {
            if (Files.isDirectory(file)) {
                throw new ConfigException(List.of(file + ": is a directory, not a config file"));
            }
            byte[] content;
            try (InputStream in = Files.newInputStream(file)) {
                content = in.readNBytes(MAX_FILE_BYTES + 1);
            }
            if (content.length > MAX_FILE_BYTES) {
                throw new ConfigException(List.of(file + ": larger than " + MAX_FILE_BYTES + " bytes, the most a config "
                        + "file may be (" + size(file) + "; the commented defaults are about 5 KB): check that it is "
                        + "the right file, and remove what is not configuration"));
            }
            return content;
        } catch (NoSuchFileException e) {
            throw new ConfigException(List.of(file + ": no such file; " + missingFileHint));
        } catch (AccessDeniedException e) {
            throw new ConfigException(List.of(file + ": permission denied; make it readable by the user the "
                    + "program runs as"));
        } catch (IOException e) {
            throw new ConfigException(List.of(file + ": cannot be read: " + e.getMessage()));
        }
    }

    /** The file's size as the error shows it, where it has one (not for a pipe or a device). */
    private static String size(Path file) {
        try {
            return Files.isRegularFile(file) ? "it is " + Files.size(file) + " bytes" : "it is not a regular file";
        } catch (IOException e) {
            return "its size is unknown";
        }
    }

    @SuppressWarnings({"unchecked", "rawtypes"})
    private static ValueParser<?> enumParser(Class<?> enumType) {
        return ValueParsers.forEnum((Class) enumType);
    }

    private static <V> void register(SimpleModule module, ValueParser<V> parser) {
        module.addDeserializer(parser.type(), new ScalarDeserializer<>(parser.type(), parser.parser()));
    }
}
