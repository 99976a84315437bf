package dev.outpost.agent.collect;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The /proc/net parsers against checked-in copies of /proc/net/dev, /proc/net/tcp and /proc/net/tcp6. */
class ProcNetTest {

    @Test
    void everyInterfaceOfNetDevWithBothDirections() {
        assertEquals(List.of(new HostProbe.Nic("lo", 1496947, 2127, 0, 0, 1496947, 2127, 0, 0),
                new HostProbe.Nic("eth0", 301329783, 13002, 3, 17, 987853, 10850, 1, 2),
                new HostProbe.Nic("wlan0", 12345, 10, 0, 0, 678, 9, 0, 0)),
                ProcNet.netDev(ProcFilesTest.lines("net/dev")));
    }

    @Test
    void aTruncatedNetDevLineIsAnError() {
        IllegalStateException e = assertThrows(IllegalStateException.class,
                () -> ProcNet.netDev(List.of("  eth0: 1 2 3")));
        assertEquals("unexpected /proc/net/dev line:   eth0: 1 2 3", e.getMessage());
    }

    @Test
    void tcpSocketsOfBothTablesPerStateUnderTheReceiversNames() throws IOException {
        long[] counts = new long[ProcNet.TCP_STATES.size()];
        ProcNet.countTcpStates(new ByteArrayInputStream(ProcFilesTest.bytes("net/tcp")), new byte[64 * 1024], counts);
        ProcNet.countTcpStates(new ByteArrayInputStream(ProcFilesTest.bytes("net/tcp6")), new byte[64 * 1024],
                counts);

        Map<String, Long> expected = new LinkedHashMap<>();
        for (String state : ProcNet.TCP_STATES) {
            expected.put(state, 0L);
        }
        expected.putAll(Map.of("LISTEN", 3L, "ESTABLISHED", 2L, "TIME_WAIT", 1L, "CLOSE_WAIT", 1L, "FIN_WAIT_1", 1L,
                "FIN_WAIT_2", 1L, "SYN_RECV", 1L));
        assertEquals(expected, byState(counts));
    }

    @Test
    void aSmallBufferGivesTheSameCountsAsLinesCrossItsEnd() throws IOException {
        long[] whole = new long[ProcNet.TCP_STATES.size()];
        ProcNet.countTcpStates(new ByteArrayInputStream(ProcFilesTest.bytes("net/tcp")), new byte[64 * 1024], whole);
        long[] pieces = new long[ProcNet.TCP_STATES.size()];
        ProcNet.countTcpStates(new ByteArrayInputStream(ProcFilesTest.bytes("net/tcp")), new byte[200], pieces);

        assertEquals(byState(whole), byState(pieces));
    }

    @Test
    void aLineLongerThanTheBufferOrWithoutAStateIsAnError() {
        long[] counts = new long[ProcNet.TCP_STATES.size()];
        byte[] table = ProcFilesTest.bytes("net/tcp");
        IllegalStateException tooLong = assertThrows(IllegalStateException.class,
                () -> ProcNet.countTcpStates(new ByteArrayInputStream(table), new byte[100], counts));
        assertEquals("a TCP table line longer than 100 bytes", tooLong.getMessage());
        byte[] garbage = "header\n   0: 0100007F:0CEA 00000000:0000 ZZ 0\n".getBytes(StandardCharsets.US_ASCII);
        IllegalStateException noState = assertThrows(IllegalStateException.class,
                () -> ProcNet.countTcpStates(new ByteArrayInputStream(garbage), new byte[1024], counts));
        assertEquals("a TCP table line without a hex state in its fourth field", noState.getMessage());
    }

    @Test
    void anEmptyTableOrOnlyAHeaderCountsNothing() throws IOException {
        long[] counts = new long[ProcNet.TCP_STATES.size()];
        ProcNet.countTcpStates(new ByteArrayInputStream(new byte[0]), new byte[1024], counts);
        ProcNet.countTcpStates(new ByteArrayInputStream("  sl  local_address\n".getBytes(StandardCharsets.US_ASCII)),
                new byte[1024], counts);
        assertEquals(0, java.util.Arrays.stream(counts).sum());
    }

    private static Map<String, Long> byState(long[] counts) {
        Map<String, Long> map = new LinkedHashMap<>();
        for (int i = 0; i < counts.length; i++) {
            map.put(ProcNet.TCP_STATES.get(i), counts[i]);
        }
        return map;
    }
}
