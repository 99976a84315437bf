package dev.outpost.agent.collect;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ProcFileTest {
    @TempDir
    Path dir;

    @Test
    void eachReadGivesTheContentAsItIsNowAndWholeAtAnySize() throws Exception {
        Path path = dir.resolve("stat");
        Files.writeString(path, "cpu 1 2 3\nintr 4\n");
        try (ProcFile file = new ProcFile(path)) {
            assertEquals("cpu 1 2 3\nintr 4\n", file.text());
            Files.writeString(path, "cpu 5 6\n"); // rewritten in place, shorter: nothing of the old text is left
            assertEquals("cpu 5 6\n", file.text());
            String big = "x".repeat(40_000) + "\nlast line é\n";
            Files.writeString(path, big);
            assertEquals(big.getBytes(StandardCharsets.UTF_8).length, file.text().length());
            assertEquals(List.of("x".repeat(40_000), "last line é"), file.lines());
            Files.writeString(path, "");
            assertEquals("", file.text());
        }
    }

    @Test
    void aKernelFileReadAgainFromItsStartIsMadeAnew() throws Exception {
        Path uptime = Path.of("/proc/uptime");
        org.junit.jupiter.api.Assumptions.assumeTrue(Files.isReadable(uptime), "needs Linux /proc");
        try (ProcFile file = new ProcFile(uptime)) {
            double first = Double.parseDouble(file.text().split(" ")[0]);
            double now = first;
            for (int i = 0; i < 100 && now == first; i++) {
                Thread.sleep(20); // /proc/uptime counts hundredths of a second
                now = Double.parseDouble(file.text().split(" ")[0]);
            }
            assertTrue(now > first, first + " then " + now);
        }
    }

    @Test
    void aFileThatCannotBeReadIsAnUncheckedErrorNamingItAndIsTriedAgainNextTime() throws Exception {
        Path path = dir.resolve("missing");
        try (ProcFile file = new ProcFile(path)) {
            UncheckedIOException e = assertThrows(UncheckedIOException.class, file::text);
            assertEquals("cannot read " + path, e.getMessage());
            Files.writeString(path, "back\n");
            assertEquals("back\n", file.text());
        }
    }

    @Test
    void aFileLongerThanTheBoundIsRefusedNotBufferedWhole() throws Exception {
        Path path = dir.resolve("huge");
        try (java.io.RandomAccessFile f = new java.io.RandomAccessFile(path.toFile(), "rw")) {
            f.setLength(ProcFile.MAX_BYTES + 1L); // sparse: no disk used
        }
        try (ProcFile file = new ProcFile(path)) {
            UncheckedIOException e = assertThrows(UncheckedIOException.class, file::text);
            assertTrue(e.getMessage().contains(path.toString()), e.getMessage());
            assertTrue(e.getCause().getMessage().contains("longer than 16777216 bytes"), e.getCause().getMessage());
            try (java.io.RandomAccessFile f = new java.io.RandomAccessFile(path.toFile(), "rw")) {
                f.setLength(ProcFile.MAX_BYTES); // exactly the bound: read whole
            }
            assertEquals(ProcFile.MAX_BYTES, file.bytes().length);
        }
    }
}
