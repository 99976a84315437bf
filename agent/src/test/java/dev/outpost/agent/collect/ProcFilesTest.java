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
                1572864L * 1024, 262144L * 1024, 131072L * 1024), ProcFiles.meminfo(text("meminfo")));
    }

    @Test
    void meminfoWithoutTheLinesIsUnknown() {
        assertEquals(new HostProbe.Memory(8388608L * 1024, -1, -1, -1, -1, -1, -1),
                ProcFiles.meminfo("MemTotal:        8388608 kB\ngarbage\n"));
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
                ProcFiles.paging(List.of(), text("vmstat")));
        assertEquals(new HostProbe.Paging(List.of(), -1, -1, -1, -1, -1, -1),
                ProcFiles.paging(List.of(), "nr_free_pages 1\nxpgfault 3\n"));
    }

    @Test
    void processesFromStatAndTasksFromLoadavg() {
        assertEquals(new HostProbe.Processes(350, 3, 1, 1234567),
                ProcFiles.processes(text("stat"), text("loadavg")));
        assertEquals(new HostProbe.Processes(-1, -1, -1, -1), ProcFiles.processes("cpu  1 2 3\n", ""));
    }

    @Test
    void uptimeInWholeSecondsAsOshiGivesIt() {
        assertEquals(74628.0, ProcFiles.uptimeSeconds("74628.91 147001.23\n"));
        assertEquals(0.0, ProcFiles.uptimeSeconds("74628.91\n"));
        assertEquals(0.0, ProcFiles.uptimeSeconds("up 147001.23\n"));
        assertEquals(0.0, ProcFiles.uptimeSeconds(""));
    }

    @Test
    void aNumberIsFoundOnlyAtTheStartOfALine() {
        assertEquals(7, ProcFiles.numberAfter("nr_pgfault 3\npgfault  7 \n", "pgfault ", -1));
        assertEquals(3, ProcFiles.numberAfter("pgfault 3\nnr_pgfault 7", "pgfault ", -1));
        assertEquals(-1, ProcFiles.numberAfter("nr_pgfault 3\n", "pgfault ", -1));
    }

    private static List<Double> boxed(double[] values) {
        return java.util.Arrays.stream(values).boxed().toList();
    }

    @Test
    void bootTimeFromStat() {
        assertEquals(1795142400L, ProcFiles.bootTime(text("stat")));
        assertEquals(0, ProcFiles.bootTime("cpu  1 2 3\n"));
    }

    @Test
    void diskStatsOfTheDevicesAskedForInTheirOrderInBytes() {
        assertEquals(List.of(
                new HostProbe.Disk("nvme0n1", 0, 7, 16 * 512L, 3, 5, 6, 80 * 512L, 9, 1, 11, 12),
                new HostProbe.Disk("sda", 5125, 1312, 402844 * 512L, 2113, 9834, 7731, 1234560 * 512L, 8820, 2,
                        10532, 11934)),
                ProcFiles.diskStats(lines("diskstats"), List.of("nvme0n1", "vdb", "sda")));
    }

    @Test
    void theDeviceColumnOfDiskstatsInTheFilesOrder() {
        String[] devices = ProcFiles.deviceColumn(lines("diskstats"));
        assertEquals(lines("diskstats").size(), devices.length);
        assertEquals(List.of("loop0", "sda", "sda1", "nvme0n1", "dm-0"), List.of(devices).subList(0, 5));
        assertEquals(List.of("sda", "sdb"), List.of(ProcFiles.deviceColumn(List.of("   8 0 sda 1 2 3",
                "", "   8 1", "   8 16 sdb 4"))));
    }

    @Test
    void diskStatsFieldsMissingOrTooLargeForALongReadAsZero() {
        // OSHI's parser, which this one replaces, read them so: a counter past 2^63 - 1 or a short line gives 0.
        assertEquals(List.of(new HostProbe.Disk("dm-0", 100, 0, 800 * 512L, 10, 200, 0, 1600 * 512L, 20, 0, 30, 0),
                new HostProbe.Disk("sr0", 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0)),
                ProcFiles.diskStats(lines("diskstats"), List.of("dm-0", "sr0")));
        assertEquals(List.of(), ProcFiles.diskStats(List.of(), List.of("sda")));
    }

    @Test
    void cpuTicksPerLogicalCpuInFileOrderAsOshiReadsThem() {
        long[][] ticks = ProcFiles.cpuTicks(String.join("\n", "cpu  10 20 30 40 50 60 70 80 90 100",
                "cpu0 1 2 3 4 5 6 7 8 9 10", "intr 5", "cpu1   11 12 13 14 x 16 17 18", "cpu2 21 22 23"), 4);
        assertEquals(List.of(List.of(1L, 2L, 3L, 4L, 5L, 6L, 7L, 8L), List.of(11L, 12L, 13L, 14L, 0L, 16L, 17L, 18L),
                List.of(21L, 22L, 23L, 0L, 0L, 0L, 0L, 0L), List.of(0L, 0L, 0L, 0L, 0L, 0L, 0L, 0L)), rows(ticks));
        // A line with fewer than three figures ends the parse; more CPU lines than logical CPUs are not read.
        assertEquals(List.of(List.of(1L, 2L, 3L, 4L, 5L, 6L, 7L, 8L), List.of(0L, 0L, 0L, 0L, 0L, 0L, 0L, 0L)),
                rows(ProcFiles.cpuTicks("cpu0 1 2 3 4 5 6 7 8\ncpu1 1 2\ncpu2 1 2 3 4\n", 2)));
        assertEquals(List.of(List.of(1L, 2L, 3L, 4L, 5L, 6L, 7L, 8L)),
                rows(ProcFiles.cpuTicks("cpu0 1 2 3 4 5 6 7 8\ncpu1 9 9 9 9", 1)));
        assertEquals(List.of(List.of(10L, 20L, 30L, 1000L, 0L, 0L, 0L, 20L)),
                rows(ProcFiles.toMillis(new long[][] {{1, 2, 3, 100, 0, 0, 0, 2}}, 100)));
    }

    private static List<List<Long>> rows(long[][] ticks) {
        return java.util.Arrays.stream(ticks).map(r -> java.util.Arrays.stream(r).boxed().toList()).toList();
    }

    /** The fixture as the probe reads a file of figures ({@link ProcFiles#text}): one byte a character. */
    static String text(String name) {
        return new String(bytes(name), StandardCharsets.ISO_8859_1);
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
