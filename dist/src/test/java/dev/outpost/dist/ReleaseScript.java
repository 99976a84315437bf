package dev.outpost.dist;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Stream;

/** Runs scripts/release.sh as a release manager would, and reads what it published. */
final class ReleaseScript {
    static final Path SCRIPT = SystemdUnitsTest.REPO.resolve("scripts/release.sh");

    private ReleaseScript() {
    }

    /** release.sh with these arguments; with a GnuPG home, as the caller whose gpg that is (--key ID). */
    static Command.Result run(Path gnupgHome, String... args) {
        List<String> argv = new ArrayList<>(List.of("env"));
        if (gnupgHome != null) {
            argv.add("GNUPGHOME=" + gnupgHome);
        }
        argv.addAll(List.of("bash", SCRIPT.toString()));
        argv.addAll(List.of(args));
        return Command.run(Duration.ofMinutes(3), null, argv.toArray(String[]::new));
    }

    /** release.sh, which must succeed. */
    static String ok(Path gnupgHome, String... args) {
        Command.Result r = run(gnupgHome, args);
        assertEquals(0, r.exit(), "release.sh " + String.join(" ", args) + ":\n" + r.output());
        return r.output();
    }

    /** Every file under a release directory, by its path relative to it, with its SHA-256. */
    static Map<String, String> files(Path release) {
        Map<String, String> files = new TreeMap<>();
        try (Stream<Path> walk = Files.walk(release)) {
            walk.filter(Files::isRegularFile).forEach(f -> files.put(release.relativize(f).toString(), sha256(f)));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return files;
    }

    static String sha256(Path file) {
        return Command.ok("sha256sum", file.toString()).substring(0, 64);
    }

    /** The bytes of an .rpm after its 96-byte lead, which rpmsign rewrites with the signing machine's architecture. */
    static byte[] afterLead(Path rpm) {
        try {
            byte[] all = Files.readAllBytes(rpm);
            return java.util.Arrays.copyOfRange(all, 96, all.length);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
