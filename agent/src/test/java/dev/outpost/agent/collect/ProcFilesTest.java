package dev.outpost.agent.collect;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The /proc parsers against checked-in copies of /proc/meminfo, /proc/swaps and /proc/stat. */
class ProcFilesTest {

    @Test
    void memoryBreakdownCountsReclaimableSlabAsCache() {
        Map<String, String> meminfo = new LinkedHashMap<>();
        for (String line : lines("meminfo")) {
            String[] kv = line.split(":", 2);
            meminfo.put(kv[0], kv[1].trim());
        }

        assertEquals(new ProcFiles.MemoryBreakdown(4194304L * 1024, 262144L * 1024, (1572864L + 262144) * 1024),
                ProcFiles.memoryBreakdown(meminfo));
    }

    @Test
    void memoryBreakdownIsUnknownWithoutTheFields() {
        assertEquals(new ProcFiles.MemoryBreakdown(-1, -1, -1),
                ProcFiles.memoryBreakdown(Map.of("MemTotal", "8388608 kB")));
    }

    @Test
    void swapDevicesWithUsedAndFreeBytesAndUnescapedNames() {
        assertEquals(List.of(new HostProbe.SwapDevice("/dev/dm-1", 102400L * 1024, (2097148L - 102400) * 1024),
                new HostProbe.SwapDevice("/var/swap file", 0, 1048572L * 1024)),
                ProcFiles.swapDevices(lines("swaps")));
    }

    @Test
    void noSwapDevices() {
        assertEquals(List.of(), ProcFiles.swapDevices(lines("swaps-none")));
        assertEquals(List.of(), ProcFiles.swapDevices(List.of()));
    }

    @Test
    void unexpectedSwapsHeaderIsAnError() {
        IllegalStateException e = assertThrows(IllegalStateException.class,
                () -> ProcFiles.swapDevices(List.of("Name Kind Total Used")));
        assertEquals("unexpected /proc/swaps header: Name Kind Total Used", e.getMessage());
    }

    @Test
    void runQueueFromProcStat() {
        assertEquals(new ProcFiles.RunQueue(3, 1), ProcFiles.runQueue(lines("stat")));
        assertEquals(new ProcFiles.RunQueue(-1, -1), ProcFiles.runQueue(List.of("cpu  1 2 3")));
    }

    private static List<String> lines(String name) {
        try (InputStream in = ProcFilesTest.class.getResourceAsStream("/fixtures/proc/" + name)) {
            return new String(in.readAllBytes(), StandardCharsets.UTF_8).lines().toList();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
