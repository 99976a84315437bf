package dev.outpost.dist;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * THREAT_MODEL.md names the code that mitigates each threat and the tests that show it. A rename that leaves the
 * document pointing at nothing makes a security claim untraceable, so every {@code Class#method} and every
 * {@code module.package.Class} it names must exist in the source tree.
 */
class ThreatModelReferencesTest {
    private static final Path DOC = SystemdUnitsTest.REPO.resolve("THREAT_MODEL.md");
    private static final Pattern TEST_REF = Pattern.compile("`([A-Z][A-Za-z0-9]+)#([a-zA-Z0-9_]+)");
    private static final Pattern CODE_REF = Pattern.compile("`((?:gateway|agent|wire)(?:\\.[a-z]+)*\\.([A-Z][A-Za-z0-9]+))");

    @Test
    void everyTestAndClassItNamesExists() throws IOException {
        String doc = Files.readString(DOC);
        Map<String, List<Path>> sources = sources();
        TreeSet<String> missing = new TreeSet<>();
        int tests = 0;
        for (Matcher m = TEST_REF.matcher(doc); m.find(); tests++) {
            if (m.group(1).equals("Class")) {
                continue; // the legend: `Class#method`
            }
            List<Path> files = sources.getOrDefault(m.group(1), List.of());
            Pattern method = Pattern.compile("\\b" + Pattern.quote(m.group(2)) + "\\s*\\(");
            if (files.stream().noneMatch(f -> method.matcher(read(f)).find())) {
                missing.add(m.group(1) + "#" + m.group(2));
            }
        }
        int classes = 0;
        for (Matcher m = CODE_REF.matcher(doc); m.find(); classes++) {
            String relative = m.group(1).replace('.', '/');
            String module = relative.substring(0, relative.indexOf('/'));
            Path file = SystemdUnitsTest.REPO.resolve(module + "/src/main/java/dev/outpost/" + relative + ".java");
            if (!Files.exists(file)) {
                missing.add(m.group(1));
            }
        }
        assertTrue(tests > 50 && classes > 30, "the pattern still finds the references: " + tests + ", " + classes);
        assertEquals(new TreeSet<>(), missing, "named in THREAT_MODEL.md but not in the source tree");
    }

    private static Map<String, List<Path>> sources() throws IOException {
        Map<String, List<Path>> byName = new HashMap<>();
        try (Stream<Path> all = Files.walk(SystemdUnitsTest.REPO)) {
            all.filter(p -> p.toString().endsWith(".java") && !p.toString().contains("/target/")
                    && !p.toString().contains("/.git/")).forEach(p -> byName.computeIfAbsent(
                            p.getFileName().toString().replace(".java", ""), k -> new ArrayList<>()).add(p));
        }
        return byName;
    }

    private static String read(Path p) {
        try {
            return Files.readString(p);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
