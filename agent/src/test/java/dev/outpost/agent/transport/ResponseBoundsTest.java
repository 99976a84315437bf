package dev.outpost.agent.transport;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.outpost.agent.tls.ClientTls;
import dev.outpost.agent.tls.Credentials;
import dev.outpost.agent.tls.TestCa;
import dev.outpost.agent.tls.TlsSettings;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.security.KeyStore;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import javax.net.ServerSocketFactory;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * What the agent's HTTPS client reads of a response is bounded, whatever the peer sends: a raw TLS server here
 * writes exactly the bytes of a broken or hostile gateway (long lines, endless headers or bodies, bytes trickled
 * one at a time), and each exchange ends with an {@link IOException} naming the rule, with what was sent as one
 * bounded, escaped line; well-formed chunked and read-to-close bodies are read whole.
 */
class ResponseBoundsTest {
    /** Longest failure message: the fixed text, the URL and at most PeerText's bound of what the peer sent. */
    static final int MAX_MESSAGE = 200 + PeerText.MAX_CHARS * 6 + 40;

    /** What the server does on one connection after reading one request head (and body) from it. */
    interface Script {
        void serve(InputStream in, OutputStream out) throws IOException, InterruptedException;
    }

    private final TestCa ca;
    private final ClientTls clientTls;
    private ServerSocket server;
    private Thread acceptor;
    private final AtomicInteger connections = new AtomicInteger();

    ResponseBoundsTest() throws Exception {
        ca = new TestCa();
        Credentials agent = ca.credentials("a-00000000000000cc", "acme", Instant.now().minusSeconds(60),
                Instant.now().plusSeconds(3600));
        clientTls = TlsSettings.client(agent.key(), List.of(agent.certificate()), agent.trustBundle());
    }

    @AfterEach
    void stop() throws Exception {
        if (server != null) {
            server.close();
            acceptor.join(5_000);
        }
    }

    /** A TLS server on 127.0.0.1 (the CA's certificate for that address) running {@code script} per request. */
    private URI serveTls(Script script) throws Exception {
        Credentials cert = ca.server("127.0.0.1");
        KeyStore ks = KeyStore.getInstance("PKCS12");
        ks.load(null, null);
        List<X509Certificate> chain = new ArrayList<>(List.of(cert.certificate()));
        chain.addAll(cert.trustBundle());
        ks.setKeyEntry("server", cert.key(), new char[0], chain.toArray(X509Certificate[]::new));
        KeyManagerFactory kmf = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
        kmf.init(ks, new char[0]);
        SSLContext ctx = SSLContext.getInstance("TLS");
        ctx.init(kmf.getKeyManagers(), null, null);
        return serve(ctx.getServerSocketFactory(), script, true);
    }

    private URI serve(ServerSocketFactory factory, Script script, boolean http) throws Exception {
        server = factory.createServerSocket(0, 8, InetAddress.getLoopbackAddress());
        acceptor = new Thread(() -> {
            for (int i = 0; i < 20 && !server.isClosed(); i++) {
                try (Socket s = server.accept()) {
                    connections.incrementAndGet();
                    s.setSoTimeout(20_000);
                    InputStream in = s.getInputStream();
                    OutputStream out = s.getOutputStream();
                    while (!http || readRequest(in)) {
                        script.serve(in, out);
                        out.flush();
                        if (!http) {
                            break;
                        }
                    }
                } catch (IOException | InterruptedException e) {
                    // the client closed the connection (as it should after a broken response): next one
                }
            }
        }, "test-raw-tls-server");
        acceptor.setDaemon(true);
        acceptor.start();
        return URI.create("https://127.0.0.1:" + server.getLocalPort() + "/v1/metrics");
    }

    /** Reads one request head and its Content-Length body; false at the end of the connection. */
    private static boolean readRequest(InputStream in) throws IOException {
        StringBuilder head = new StringBuilder();
        while (!head.toString().endsWith("\r\n\r\n")) {
            int b = in.read();
            if (b < 0) {
                return false;
            }
            head.append((char) b);
            if (head.length() > 65_536) {
                throw new IOException("request head too long");
            }
        }
        String h = head.toString().toLowerCase();
        int at = h.indexOf("content-length: ");
        int length = at < 0 ? 0 : Integer.parseInt(h.substring(at + 16, h.indexOf('\r', at)));
        in.readNBytes(length);
        return true;
    }

    private static byte[] ascii(String s) {
        return s.getBytes(StandardCharsets.ISO_8859_1);
    }

    /** One exchange with the server; the failure, which must be an IOException with a bounded one-line message. */
    private IOException refused(URI at, Duration timeout) {
        try (HttpsClient http = new HttpsClient(at, () -> clientTls, timeout)) {
            IOException e = assertThrows(IOException.class, () -> http.exchange(Request.post("/v1/metrics",
                    ascii("batch"))));
            assertTrue(e.getMessage().length() <= MAX_MESSAGE, e.getMessage().length() + ": " + e.getMessage());
            assertTrue(e.getMessage().chars().noneMatch(c -> c < 0x20 || c == 0x7f), e.getMessage());
            return e;
        }
    }

    private IOException refused(Script script) throws Exception {
        return refused(serveTls(script), Duration.ofSeconds(10));
    }

    @Test
    void aHeaderLineLongerThanTheBoundIsRefused() throws Exception {
        IOException e = refused((in, out) -> out.write(ascii("HTTP/1.1 200 OK\r\nX-Long: " + "a".repeat(20_000)
                + "\r\nContent-Length: 0\r\n\r\n")));
        assertTrue(e.getMessage().contains("a header line longer than 8192 bytes: X-Long: aaaa"), e.getMessage());
    }

    @Test
    void aStatusLineWithoutEndIsRefusedAtTheBound() throws Exception {
        IOException e = refused((in, out) -> out.write(ascii("HTTP/1.1 200 " + "b".repeat(100_000))));
        assertTrue(e.getMessage().contains("a status line longer than 8192 bytes"), e.getMessage());
    }

    @Test
    void tooManyHeadersAreRefused() throws Exception {
        IOException e = refused((in, out) -> {
            StringBuilder r = new StringBuilder("HTTP/1.1 200 OK\r\n");
            for (int i = 0; i < 5_000; i++) {
                r.append("X-").append(i).append(": v\r\n");
            }
            out.write(ascii(r.append("Content-Length: 0\r\n\r\n").toString()));
        });
        assertTrue(e.getMessage().contains("more than 100 header lines: X-100: v"), e.getMessage());
    }

    @Test
    void headersLongerThanTheBoundInAllAreRefused() throws Exception {
        IOException e = refused((in, out) -> {
            StringBuilder r = new StringBuilder("HTTP/1.1 200 OK\r\n");
            for (int i = 0; i < 20; i++) {
                r.append("X-").append(i).append(": ").append("v".repeat(8_000)).append("\r\n");
            }
            out.write(ascii(r.append("Content-Length: 0\r\n\r\n").toString()));
        });
        assertTrue(e.getMessage().contains("headers longer than 65536 bytes in all"), e.getMessage());
    }

    @Test
    void anEndlessChunkedBodyIsCutAtTheBodyBound() throws Exception {
        AtomicInteger chunks = new AtomicInteger();
        IOException e = refused((in, out) -> {
            out.write(ascii("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n"));
            byte[] chunk = ascii("4000\r\n" + "c".repeat(0x4000) + "\r\n");
            for (int i = 0; i < 1_000; i++) { // 16 MiB at most: the client stops reading long before
                out.write(chunk);
                chunks.incrementAndGet();
            }
        });
        assertTrue(e.getMessage().contains("has a chunked body of more than the 1048576 bytes the agent reads"),
                e.getMessage());
        assertTrue(chunks.get() < 1_000, "the client stopped reading: " + chunks.get() + " chunks written");
    }

    @Test
    void anEndlessChunkSizeLineAndEndlessTrailersAreRefused() throws Exception {
        IOException size = refused((in, out) -> out.write(ascii("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n"
                + "1;ext=" + "e".repeat(50_000))));
        assertTrue(size.getMessage().contains("a chunk-size line longer than 8192 bytes"), size.getMessage());
        stop();
        IOException trailers = refused((in, out) -> {
            out.write(ascii("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n1\r\nx\r\n0\r\n"));
            for (int i = 0; i < 1_000; i++) {
                out.write(ascii("T-" + i + ": t\r\n"));
            }
        });
        assertTrue(trailers.getMessage().contains("more than 100 trailer lines"), trailers.getMessage());
    }

    @Test
    void aContentLengthThatIsNotANumberIsRefused() throws Exception {
        for (String length : List.of("12abc", "-1", "+5", "0x10", "", "99999999999999999999", "5, 6")) {
            IOException e = refused((in, out) -> out.write(ascii("HTTP/1.1 200 OK\r\nContent-Length: " + length
                    + "\r\n\r\nhello")));
            assertTrue(e.getMessage().contains(length.equals("5, 6") ? "Content-Length values that differ"
                    : "a Content-Length that is not a number"), length + ": " + e.getMessage());
            stop();
        }
    }

    @Test
    void aBodyLargerThanTheBoundIsNotRead() throws Exception {
        IOException e = refused((in, out) -> out.write(ascii("HTTP/1.1 200 OK\r\nContent-Length: 2000000\r\n\r\n")));
        assertTrue(e.getMessage().contains("has a body of 2000000 bytes, more than the 1048576 the agent reads"),
                e.getMessage());
    }

    @Test
    void garbageIsRefusedWithWhatWasSentEscaped() throws Exception {
        IOException e = refused((in, out) -> out.write(ascii("\u001b[2KSSH-2.0-OpenSSH\u202e" + "z".repeat(5_000)
                + "\r\n\r\n")));
        assertTrue(e.getMessage().contains("not an HTTP/1.1 or 1.0 status line: \\x1b[2KSSH-2.0-OpenSSH\\xe2\\x80\\xaez")
                || e.getMessage().contains("not an HTTP/1.1 or 1.0 status line: \\x1b[2KSSH-2.0-OpenSSH"), e.getMessage());
        assertTrue(e.getMessage().contains("more characters)"), "cut and counted: " + e.getMessage());
    }

    @Test
    void aPeerThatTricklesItsResponseIsLeftAtTheTimeout() throws Exception {
        URI at = serveTls((in, out) -> {
            byte[] r = ascii("HTTP/1.1 200 OK\r\nContent-Length: 40\r\n\r\n" + "t".repeat(40));
            for (byte b : r) { // one byte every 100 ms: each read is quick, the whole takes 8 s
                out.write(b);
                out.flush();
                Thread.sleep(100);
            }
        });
        IOException e = refused(at, Duration.ofSeconds(1));
        assertEquals("no response from " + at + " within 1 s", e.getMessage());
    }

    @Test
    void aPeerThatTricklesItsHandshakeIsLeftAtTheTimeout() throws Exception {
        // Not TLS at all: a handshake record header announcing 16 KiB, then one byte every 100 ms.
        URI at = serve(ServerSocketFactory.getDefault(), (in, out) -> {
            out.write(new byte[] {0x16, 0x03, 0x03, 0x40, 0x00});
            for (int i = 0; i < 300; i++) {
                out.write(0x02);
                out.flush();
                Thread.sleep(100);
            }
        }, false);
        IOException e = refused(at, Duration.ofSeconds(1));
        assertEquals("TLS handshake with " + at + " failed: no answer within 1 s", e.getMessage());
    }

    @Test
    void chunkedAndReadToCloseBodiesAreReadWhole() throws Exception {
        URI at = serveTls((in, out) -> out.write(ascii("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n"
                + "Outpost-Batch: stored\r\n\r\n5;name=value\r\nhello\r\n1\r\n \r\n5\r\nworld\r\n0\r\nTrailer: t\r\n\r\n")));
        try (HttpsClient http = new HttpsClient(at, () -> clientTls, Duration.ofSeconds(10))) {
            for (int i = 0; i < 2; i++) {
                Response r = http.exchange(Request.get("/"));
                assertArrayEquals(ascii("hello world"), r.body());
                assertEquals("stored", r.batch());
                assertTrue(r.keepAlive());
            }
        }
        assertEquals(1, connections.get(), "both on one kept-alive connection");
        stop();
        connections.set(0);
        at = serveTls((in, out) -> {
            out.write(ascii("HTTP/1.0 503 Busy\r\nRetry-After: 7\r\n\r\nback later"));
            out.flush();
            throw new IOException("closed by the script"); // the end of the body is the end of the connection
        });
        try (HttpsClient http = new HttpsClient(at, () -> clientTls, Duration.ofSeconds(10))) {
            for (int i = 0; i < 2; i++) {
                Response r = http.exchange(Request.get("/"));
                assertEquals(503, r.status());
                assertEquals("7", r.retryAfter());
                assertArrayEquals(ascii("back later"), r.body());
                assertFalse(r.keepAlive());
                assertNull(r.watermark());
            }
        }
        assertEquals(2, connections.get(), "HTTP/1.0 without keep-alive: a connection per request");
    }

    @Test
    void theConnectionHeaderIsReadAsAListOfTokensInAnyCase() throws Exception {
        for (String[] c : new String[][] {{"HTTP/1.1", "Upgrade , CLOSE", "false"}, {"HTTP/1.1", "keep-alive,x", "true"},
                {"HTTP/1.1", "closed", "true"}, {"HTTP/1.0", "foo,  Keep-Alive ", "true"}, {"HTTP/1.0", "keep", "false"}}) {
            URI at = serveTls((in, out) -> out.write(ascii(c[0] + " 200 OK\r\nConnection: " + c[1]
                    + "\r\nContent-Length: 2\r\n\r\nok")));
            try (HttpsClient http = new HttpsClient(at, () -> clientTls, Duration.ofSeconds(10))) {
                assertEquals(Boolean.parseBoolean(c[2]), http.exchange(Request.get("/")).keepAlive(), String.join(" ", c));
            }
            stop();
        }
    }

    @Test
    void connectionCloseEndsAPipelineAndTheRestAreUnanswered() throws Exception {
        URI at = serveTls((in, out) -> {
            out.write(ascii("HTTP/1.1 200 OK\r\nConnection: close\r\nContent-Length: 2\r\n\r\nok"));
            out.flush();
            throw new IOException("closed by the script");
        });
        try (HttpsClient http = new HttpsClient(at, () -> clientTls, Duration.ofSeconds(10))) {
            HttpsClient.Pipelined p = http.exchangeAll(List.of(Request.get("/1"), Request.get("/2"),
                    Request.get("/3")));
            assertEquals(1, p.responses().size());
            assertEquals("connection closed by " + at + " before every response", p.failure().getMessage());
            assertEquals(200, http.exchange(Request.get("/4")).status(), "a new connection for the next request");
        }
        assertEquals(2, connections.get());
    }
}
