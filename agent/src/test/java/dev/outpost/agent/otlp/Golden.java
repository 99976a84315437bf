package dev.outpost.agent.otlp;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Compares text with a checked-in golden file (src/test/resources/golden/NAME.txt). On a mismatch the actual text
 * is written to target/golden-actual/NAME.txt, to diff against the golden file and copy over it when the change
 * is intended.
 */
public final class Golden {
    private Golden() {
    }

    public static void assertMatches(String name, String actual) {
        String expected = read("/golden/" + name + ".txt");
        if (!actual.equals(expected)) {
            Path out = Path.of("target", "golden-actual", name + ".txt");
            try {
                Files.createDirectories(out.getParent());
                Files.writeString(out, actual);
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
            assertEquals(expected, actual, "golden/" + name + ".txt differs; actual output written to "
                    + out.toAbsolutePath());
        }
    }

    private static String read(String resource) {
        try (InputStream in = Golden.class.getResourceAsStream(resource)) {
            return in == null ? "(missing " + resource + ")" : new String(in.readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
