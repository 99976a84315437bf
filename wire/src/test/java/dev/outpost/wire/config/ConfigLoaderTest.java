package dev.outpost.wire.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.io.IOException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ConfigLoaderTest {
    private static final String SERVER = "server: https://gw.example.com:8443\n";
    private final ConfigLoader<SampleConfig> loader =
            new ConfigLoader<>(SampleConfig.class, "OUTPOST_TEST_", "copy config/sample.yaml there", List.of());

    @TempDir
    Path dir;

    private Path write(String yaml) throws IOException {
        return Files.writeString(dir.resolve("sample.yaml"), yaml);
    }

    private String errors(String yaml, Map<String, String> env) throws IOException {
        Path file = write(yaml);
        ConfigException e = assertThrows(ConfigException.class, () -> loader.load(file, env));
        return e.getMessage().replace(file.toString(), "FILE");
    }

    @Test
    void fileWithOnlyRequiredKeyGivesDefaults() throws Exception {
        assertEquals(SampleConfig.defaults("https://gw.example.com:8443"), loader.load(write(SERVER), Map.of()));
    }

    @Test
    void emptyFileWithRequiredKeyFromEnvironmentGivesDefaults() throws Exception {
        assertEquals(SampleConfig.defaults("https://gw.example.com:8443"),
                loader.load(write(""), Map.of("OUTPOST_TEST_SERVER", "https://gw.example.com:8443")));
    }

    @Test
    void emptySectionsAndValuesMeanDefaults() throws Exception {
        assertEquals(SampleConfig.defaults("https://gw.example.com:8443"),
                loader.load(write(SERVER + "interval:\npush:\nlog: ~\n"), Map.of()));
    }

    @Test
    void readsEveryKind() throws Exception {
        SampleConfig c = loader.load(write(SERVER + "interval: 1500ms\nlabels: {env: prod}\ntags: [a, b]\n"
                + "push:\n  timeout: 1m\n  max_queued_batches: 7\nlog:\n  level: DEBUG\nmode: Fast\n"), Map.of());
        assertEquals(new SampleConfig(URI.create("https://gw.example.com:8443"), Duration.ofMillis(1500),
                Map.of("env", "prod"), List.of("a", "b"), new SampleConfig.Push(Duration.ofMinutes(1), 7),
                new LogConfig("debug"), SampleConfig.Mode.FAST), c);
    }

    @Test
    void aFileOfSomeMegabytesIsRefusedUnreadWithItsSize() throws Exception {
        // Valid YAML (a comment line repeated): without the bound it parses, and in the agent's 16 MiB heap it ran
        // out of memory.
        String big = SERVER + "# padding\n".repeat(300_000);
        assertEquals("FILE: larger than 65536 bytes, the most a config file may be (it is " + big.length()
                + " bytes; the commented defaults are about 5 KB): check that it is the right file, and remove what "
                + "is not configuration", errors(big, Map.of()));
    }

    @Test
    void aFileJustWithinTheBoundIsRead() throws Exception {
        String padded = SERVER + "#".repeat(ConfigLoader.MAX_FILE_BYTES - SERVER.length() - 1) + "\n";
        assertEquals(ConfigLoader.MAX_FILE_BYTES, padded.length());
        assertEquals(SampleConfig.defaults("https://gw.example.com:8443"), loader.load(write(padded), Map.of()));
    }

    @Test
    void aDeviceThatNeverEndsIsRefusedAfterTheBound() {
        ConfigException e = assertThrows(ConfigException.class, () -> loader.load(Path.of("/dev/zero"), Map.of()));
        assertEquals("/dev/zero: larger than 65536 bytes, the most a config file may be (it is not a regular file; "
                + "the commented defaults are about 5 KB): check that it is the right file, and remove what is not "
                + "configuration", e.getMessage());
    }

    @Test
    void missingRequiredKeyNamesFile() throws Exception {
        assertEquals("FILE: server: missing; set it to the gateway's URL, e.g. \"https://gateway.example.com:8443\"",
                errors("", Map.of()));
    }

    @Test
    void unknownKeySuggestsTheClosestKnownOne() throws Exception {
        assertEquals("FILE:2: unknown key \"intervall\"; did you mean \"interval\"? "
                + "(known keys: server, interval, labels, tags, push, log, mode)", errors(SERVER + "intervall: 5s\n", Map.of()));
    }

    @Test
    void unknownNestedKeyNamesItsSection() throws Exception {
        assertEquals("FILE:3: unknown key \"max-queued-batches\" in push; did you mean \"max_queued_batches\"? "
                + "(known keys: timeout, max_queued_batches)",
                errors(SERVER + "push:\n  max-queued-batches: 5\n", Map.of()));
    }

    @Test
    void unknownKeyFarFromAnyKnownOneGetsNoSuggestion() throws Exception {
        assertEquals("FILE:2: unknown key \"colour\" (known keys: server, interval, labels, tags, push, log, mode)",
                errors(SERVER + "colour: blue\n", Map.of()));
    }

    @Test
    void wrongTypeNamesLineKeyValueAndFix() throws Exception {
        assertEquals("FILE:4: push.max_queued_batches: \"lots\" is not a whole number; write digits only, without a unit",
                errors(SERVER + "push:\n  timeout: 5s\n  max_queued_batches: lots\n", Map.of()));
    }

    @Test
    void outOfRangeDurationNamesLine() throws Exception {
        assertEquals("FILE:3: interval: \"0s\" is out of range; use a duration between 1s and 1h, e.g. \"10s\"",
                errors(SERVER + "\ninterval: 0s\n", Map.of()));
    }

    @Test
    void outOfRangeValueInNestedSectionNamesLine() throws Exception {
        assertEquals("FILE:4: push.max_queued_batches: 0 is out of range; use a whole number between 1 and 100000, "
                + "e.g. 360", errors(SERVER + "push:\n  timeout: 5s\n  max_queued_batches: 0\n", Map.of()));
    }

    @Test
    void badUrl() throws Exception {
        assertEquals("FILE:1: server: \"http://gw.example.com:8443\" is not an https URL; "
                + "use e.g. \"https://gateway.example.com:8443\"", errors("server: http://gw.example.com:8443\n", Map.of()));
    }

    @Test
    void environmentOverridesFileAndParsesListsAndMaps() throws Exception {
        SampleConfig c = loader.load(write(SERVER + "interval: 10s\ntags: [x]\n"), Map.of(
                "OUTPOST_TEST_INTERVAL", "2s",
                "OUTPOST_TEST_PUSH_TIMEOUT", "5s",
                "OUTPOST_TEST_TAGS", "tmpfs, proc",
                "OUTPOST_TEST_LABELS", "env=prod,team=db",
                "OUTPOST_TEST_LOG_LEVEL", "warn",
                "UNRELATED", "x"));
        assertEquals(Duration.ofSeconds(2), c.interval());
        assertEquals(Duration.ofSeconds(5), c.push().timeout());
        assertEquals(List.of("tmpfs", "proc"), c.tags());
        assertEquals(Map.of("env", "prod", "team", "db"), c.labels());
        assertEquals("warn", c.log().level());
    }

    @Test
    void emptyEnvironmentValueMeansDefaultOrEmpty() throws Exception {
        SampleConfig c = loader.load(write(SERVER + "interval: 5s\ntags: [x]\n"),
                Map.of("OUTPOST_TEST_INTERVAL", "", "OUTPOST_TEST_TAGS", ""));
        assertEquals(SampleConfig.defaults("https://gw.example.com:8443"), c);
    }

    @Test
    void badEnvironmentValueNamesTheVariable() throws Exception {
        assertEquals("environment OUTPOST_TEST_INTERVAL: \"abc\" is not a duration; use e.g. \"10s\"",
                errors(SERVER + "interval: 5s\n", Map.of("OUTPOST_TEST_INTERVAL", "abc")));
    }

    @Test
    void outOfRangeEnvironmentValueNamesTheVariable() throws Exception {
        assertEquals("environment OUTPOST_TEST_PUSH_TIMEOUT: \"1h\" is out of range; use a duration between 1s and 5m, "
                + "e.g. \"10s\"", errors(SERVER, Map.of("OUTPOST_TEST_PUSH_TIMEOUT", "1h")));
    }

    @Test
    void badEnvironmentMap() throws Exception {
        assertEquals("environment OUTPOST_TEST_LABELS: \"env\" is not a list of key=value pairs; "
                + "use e.g. \"env=prod,team=db\"", errors(SERVER, Map.of("OUTPOST_TEST_LABELS", "env")));
    }

    @Test
    void reportsEveryErrorTogetherInLineOrderThenEnvironment() throws Exception {
        String yaml = "log:\n  level: loud\n" + SERVER + "interval: 2h\npush:\n  timeot: 5s\n  max_queued_batches: x\n"
                + "tags: {a: b}\nlabels: [a]\nmode: slow\n";
        assertEquals(String.join("\n",
                "FILE:2: log.level: \"loud\" is not one of error, warn, info, debug",
                "FILE:4: interval: \"2h\" is out of range; use a duration between 1s and 1h, e.g. \"10s\"",
                "FILE:6: unknown key \"timeot\" in push; did you mean \"timeout\"? (known keys: timeout, max_queued_batches)",
                "FILE:7: push.max_queued_batches: \"x\" is not a whole number; write digits only, without a unit",
                "FILE:8: tags: expected a list, e.g. [a, b]; found a mapping",
                "FILE:9: labels: expected a mapping, e.g. {key: value}; found a list",
                "FILE:10: mode: \"slow\" is not one of fast, safe",
                "environment OUTPOST_TEST_PUSH_TIMEOUT: \"soon\" is not a duration; use e.g. \"10s\""),
                errors(yaml, Map.of("OUTPOST_TEST_PUSH_TIMEOUT", "soon")));
    }

    @Test
    void valueWhereListEntryExpected() throws Exception {
        assertEquals("FILE:2: tags[1]: expected a single value; found a list", errors(SERVER + "tags: [a, [b]]\n", Map.of()));
    }

    @Test
    void emptyListEntry() throws Exception {
        assertEquals("FILE:2: tags: has an empty entry; remove it", errors(SERVER + "tags: [a, ~]\n", Map.of()));
    }

    @Test
    void sectionWrittenAsValue() throws Exception {
        assertEquals("FILE:2: push: expected a mapping with the keys timeout, max_queued_batches; found \"fast\"",
                errors(SERVER + "push: fast\n", Map.of()));
    }

    @Test
    void duplicateKey() throws Exception {
        assertEquals("FILE:3: duplicate key \"interval\" (first at line 2); keep one of them",
                errors(SERVER + "interval: 5s\ninterval: 6s\n", Map.of()));
    }

    @Test
    void yamlSyntaxErrorNamesLine() throws Exception {
        assertEquals("FILE:2: not valid YAML: mapping values are not allowed here; check the indentation, "
                + "and quote values that start with [ or { or contain \": \"", errors(SERVER + "interval: a: b\n", Map.of()));
    }

    @Test
    void topLevelMustBeAMapping() throws Exception {
        assertEquals("FILE:1: the file must be a mapping of keys to values (e.g. \"interval: 10s\"), not a list",
                errors("- a\n- b\n", Map.of()));
    }

    @Test
    void secondDocumentIsRejected() throws Exception {
        assertEquals("FILE:3: a second YAML document starts here; keep all settings in one document",
                errors(SERVER + "---\ninterval: 5s\n", Map.of()));
    }

    @Test
    void withoutFileUsesDefaultsAndEnvironment() throws Exception {
        assertEquals(SampleConfig.defaults("https://gw.example.com:8443"),
                loader.loadWithoutFile(Map.of("OUTPOST_TEST_SERVER", "https://gw.example.com:8443")));
        ConfigException e = assertThrows(ConfigException.class, () -> loader.loadWithoutFile(Map.of()));
        assertEquals("(no config file): server: missing; set it to the gateway's URL, "
                + "e.g. \"https://gateway.example.com:8443\"", e.getMessage());
    }

    @Test
    void missingFileSaysHowToCreateOne() {
        Path file = dir.resolve("nope.yaml");
        ConfigException e = assertThrows(ConfigException.class, () -> loader.load(file, Map.of()));
        assertEquals(file + ": no such file; copy config/sample.yaml there", e.getMessage());
    }

    @Test
    void directoryIsNotAConfigFile() {
        ConfigException e = assertThrows(ConfigException.class, () -> loader.load(dir, Map.of()));
        assertEquals(dir + ": is a directory, not a config file", e.getMessage());
    }

    @Test
    void passwordInUrlIsNotRepeated() throws Exception {
        assertEquals("FILE:1: server: \"https://***@gw.example.com\" must not contain a user name or password; "
                + "remove the part before \"@\"", errors("server: https://admin:hunter2@gw.example.com\n", Map.of()));
    }

    @Test
    void listsOneVariablePerLeafKey() {
        assertEquals(Map.of("OUTPOST_TEST_SERVER", "server", "OUTPOST_TEST_INTERVAL", "interval",
                "OUTPOST_TEST_LABELS", "labels", "OUTPOST_TEST_TAGS", "tags",
                "OUTPOST_TEST_PUSH_TIMEOUT", "push.timeout",
                "OUTPOST_TEST_PUSH_MAX_QUEUED_BATCHES", "push.max_queued_batches",
                "OUTPOST_TEST_LOG_LEVEL", "log.level", "OUTPOST_TEST_MODE", "mode"), loader.environmentVariables());
    }

    @Test
    void loaderRejectsBadArguments() {
        assertEquals("env prefix \"outpost\" must be upper case ending in _", assertThrows(IllegalArgumentException.class,
                () -> new ConfigLoader<>(SampleConfig.class, "outpost", "hint", List.of())).getMessage());
        assertThrows(IllegalArgumentException.class, () -> new ConfigLoader<>(null, "OUTPOST_", "hint", List.of()));
    }

    @Test
    void exitCodeIsExConfig() {
        assertEquals(78, ConfigLoader.EX_CONFIG);
    }

    /**
     * Found by fuzzing the config loaders (GatewayConfigFuzzTest, AgentConfigFuzzTest): a file that is one
     * multi-line scalar, or a key or value with a line break, was quoted as it is, so one error spanned several
     * lines of the report (and could forge one).
     */
    @Test
    void everyErrorIsOneLineWhateverItQuotes() throws IOException {
        assertEquals("FILE:1: the file must be a mapping of keys to values (e.g. \"interval: 10s\"), not "
                + "\"first\\nFILE:9: forged\\n\"", errors("|\n  first\n  FILE:9: forged\n", Map.of()));
        for (String yaml : new String[] {SERVER + "\"inter\\nval\": 1s\n", SERVER + "interval: \"1\\rs\\u2028\"\n"}) {
            String report = errors(yaml, Map.of());
            assertEquals(1, report.lines().count(), report);
        }
        String env = errors(SERVER, Map.of("OUTPOST_TEST_INTERVAL", "5s\nOUTPOST_TEST_X: forged"));
        assertEquals(1, env.lines().count(), env);
    }
}
