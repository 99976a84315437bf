package dev.outpost.agent.collect;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;

/** TCP sockets counted over netlink: the message parser on made-up datagrams, and the real kernel against /proc. */
class SockDiagTest {
    private static final int STATES = ProcNet.TCP_STATES.size();

    @Test
    void eachSocketMessageCountsItsStateUntilDone() throws IOException {
        ByteBuffer datagram = datagram(socket(1), socket(6), socket(12), socket(10), socket(13), done());
        long[] counts = new long[STATES];

        assertTrue(count(datagram, counts));
        assertEquals(1, counts[ProcNet.TCP_STATES.indexOf("ESTABLISHED")]);
        assertEquals(1, counts[ProcNet.TCP_STATES.indexOf("TIME_WAIT")]);
        // NEW_SYN_RECV (12) counts as SYN_RECV, as in /proc/net/tcp; 13 (bound only) is no state of the conventions.
        assertEquals(1, counts[ProcNet.TCP_STATES.indexOf("SYN_RECV")]);
        assertEquals(1, counts[ProcNet.TCP_STATES.indexOf("LISTEN")]);
        assertEquals(4, Arrays.stream(counts).sum());
    }

    @Test
    void aDatagramWithoutDoneAsksForTheNext() throws IOException {
        long[] counts = new long[STATES];
        assertFalse(count(datagram(socket(1), socket(1)), counts));
        assertEquals(2, counts[ProcNet.TCP_STATES.indexOf("ESTABLISHED")]);
    }

    @Test
    void anErrorAnswerOrACutMessageIsAnIoError() {
        ByteBuffer error = datagram(message(SockDiag.NLMSG_ERROR, new byte[] {-22, -1, -1, -1}));
        IOException refused = assertThrows(IOException.class, () -> count(error, new long[STATES]));
        assertEquals("the kernel refused the sock_diag request (errno 22)", refused.getMessage());

        ByteBuffer cut = datagram(socket(1)).limit(30);
        IOException shortMessage = assertThrows(IOException.class, () -> count(cut, new long[STATES]));
        assertEquals("a sock_diag message of 88 bytes at offset 0 of 30", shortMessage.getMessage());
    }

    /**
     * The kernel's answer equals /proc/net/tcp and tcp6 read just before and just after it (retried while other
     * processes change the host's sockets in between), with this test's own IPv4 and IPv6 sockets in it.
     */
    @Test
    void theKernelsCountsEqualTheProcTables() throws Exception {
        assumeTrue(Files.isReadable(Path.of("/proc/net/tcp")), "needs Linux /proc");
        List<AutoCloseable> sockets = new ArrayList<>();
        try {
            ServerSocket v4 = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
            sockets.add(v4);
            Socket client = new Socket(InetAddress.getLoopbackAddress(), v4.getLocalPort());
            sockets.add(client);
            sockets.add(v4.accept());
            boolean v6 = Files.isReadable(Path.of("/proc/net/tcp6"));
            if (v6) {
                ServerSocket six = new ServerSocket();
                sockets.add(six);
                six.bind(new InetSocketAddress(InetAddress.getByName("::1"), 0));
            }
            OshiHostProbe probe = OshiHostProbe.create();
            long[] netlink = null;
            long[] proc = null;
            SockDiag diag = new SockDiag();
            for (int attempt = 0; attempt < 50; attempt++) {
                long[] before = probe.tcpTables(new long[STATES]);
                netlink = new long[STATES];
                diag.countTcpStates(netlink);
                proc = probe.tcpTables(new long[STATES]);
                if (Arrays.equals(before, proc)) {
                    break;
                }
                proc = null;
            }
            assumeTrue(proc != null, "the host's TCP sockets changed between every two reads of /proc (50 tries)");
            assertEquals(ProcNet.TCP_STATES.size(), netlink.length);
            assertEquals(Arrays.toString(proc), Arrays.toString(netlink));
            assertTrue(netlink[ProcNet.TCP_STATES.indexOf("LISTEN")] >= (v6 ? 2 : 1));
            assertTrue(netlink[ProcNet.TCP_STATES.indexOf("ESTABLISHED")] >= 2);
            // The probe counts over netlink too: this test's own listening sockets are in its figures.
            assertTrue(probe.tcpConnections().get("LISTEN") >= (v6 ? 2 : 1));
        } finally {
            for (AutoCloseable s : sockets) {
                s.close();
            }
        }
    }

    /** A kernel that refuses the netlink socket (here: a protocol it does not have) leaves the /proc tables. */
    @Test
    void whenNetlinkIsRefusedTheProbeReadsTheProcTables() throws Exception {
        assumeTrue(Files.isReadable(Path.of("/proc/net/tcp")), "needs Linux /proc");
        try (ServerSocket listening = new ServerSocket(0, 50, InetAddress.getLoopbackAddress())) {
            SockDiag refused = new SockDiag(31);
            assertThrows(IOException.class, () -> refused.countTcpStates(new long[STATES]));
            OshiHostProbe probe = new OshiHostProbe(new oshi.SystemInfo(), new SockDiag(31));
            long[] proc = null;
            java.util.Map<String, Long> counted = null;
            for (int attempt = 0; attempt < 50 && proc == null; attempt++) {
                long[] before = probe.tcpTables(new long[STATES]);
                counted = probe.tcpConnections();
                proc = probe.tcpTables(new long[STATES]);
                if (!Arrays.equals(before, proc)) {
                    proc = null;
                }
            }
            assumeTrue(proc != null, "the host's TCP sockets changed between every two reads of /proc (50 tries)");
            assertEquals(ProcNet.TCP_STATES, List.copyOf(counted.keySet()));
            for (int i = 0; i < STATES; i++) {
                assertEquals(proc[i], counted.get(ProcNet.TCP_STATES.get(i)), ProcNet.TCP_STATES.get(i));
            }
            assertTrue(counted.get("LISTEN") >= 1);
        }
    }

    private static byte[] socket(int state) {
        byte[] msg = new byte[72];
        msg[0] = 10;
        msg[1] = (byte) state;
        return message(SockDiag.TCPDIAG_GETSOCK, msg);
    }

    private static byte[] done() {
        return message(SockDiag.NLMSG_DONE, new byte[4]);
    }

    private static byte[] message(int type, byte[] payload) {
        ByteBuffer m = ByteBuffer.allocate(16 + payload.length).order(ByteOrder.nativeOrder());
        m.putInt(16 + payload.length).putShort((short) type).putShort((short) 2).putInt(1).putInt(0).put(payload);
        return m.array();
    }

    /** The datagram's bytes up to its limit, parsed as the agent parses what recv wrote. */
    private static boolean count(ByteBuffer datagram, long[] counts) throws IOException {
        byte[] bytes = new byte[datagram.limit()];
        datagram.duplicate().position(0).get(bytes);
        return SockDiag.countMessages(bytes, bytes.length, counts);
    }

    private static ByteBuffer datagram(byte[]... messages) {
        ByteBuffer d = ByteBuffer.allocate(Arrays.stream(messages).mapToInt(m -> (m.length + 3) & ~3).sum())
                .order(ByteOrder.nativeOrder());
        for (byte[] m : messages) {
            d.put(m);
            d.position((d.position() + 3) & ~3);
        }
        return d.flip();
    }
}
