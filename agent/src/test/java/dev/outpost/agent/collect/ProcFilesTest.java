package dev.outpost.agent.collect;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The /proc parsers against checked-in copies of /proc/meminfo, swaps, vmstat, stat and loadavg. */
class ProcFilesTest {

    @Test
    void meminfoInBytes() {
        assertEquals(new HostProbe.Memory(8388608L * 1024, 4194304L * 1024, 6291456L * 1024, 262144L * 1024,
                1572864L * 1024, 262144L * 1024, 131072L * 1024), ProcFiles.meminfo(lines("meminfo")));
    }

    @Test
    void meminfoWithoutTheLinesIsUnknown() {
        assertEquals(new HostProbe.Memory(8388608L * 1024, -1, -1, -1, -1, -1, -1),
                ProcFiles.meminfo(List.of("MemTotal:        8388608 kB", "garbage")));
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
    void pagingCountersFromVmstat() {
        assertEquals(new HostProbe.Paging(List.of(), 10631554, 1691, 1620125, 3579632, 1500, 4200),
                ProcFiles.paging(List.of(), lines("vmstat")));
        assertEquals(new HostProbe.Paging(List.of(), -1, -1, -1, -1, -1, -1),
                ProcFiles.paging(List.of(), List.of("nr_free_pages 1")));
    }

    @Test
    void processesFromStatAndTasksFromLoadavg() {
        assertEquals(new HostProbe.Processes(350, 3, 1, 1234567),
                ProcFiles.processes(lines("stat"), lines("loadavg").get(0)));
        assertEquals(new HostProbe.Processes(-1, -1, -1, -1), ProcFiles.processes(List.of("cpu  1 2 3"), ""));
    }

    @Test
    void bootTimeFromStat() {
        assertEquals(1795142400L, ProcFiles.bootTime(lines("stat")));
        assertEquals(0, ProcFiles.bootTime(List.of("cpu  1 2 3")));
    }

    static List<String> lines(String name) {
        return new String(bytes(name), StandardCharsets.UTF_8).lines().toList();
    }

    static byte[] bytes(String name) {
        try (InputStream in = ProcFilesTest.class.getResourceAsStream("/fixtures/proc/" + name)) {
            return in.readAllBytes();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
