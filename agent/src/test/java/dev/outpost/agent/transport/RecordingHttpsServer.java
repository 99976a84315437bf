package dev.outpost.agent.transport;

import dev.outpost.agent.tls.Credentials;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.security.KeyStore;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLServerSocket;
import javax.net.ssl.TrustManagerFactory;

/**
 * A small HTTPS/1.1 server on 127.0.0.1 for the agent's tests: it records every request (headers and body) in the
 * order it read them, and answers each with the raw bytes a {@link Responder} gives, so a test can send exactly
 * what a gateway (or a broken one) would. Requests pipelined on a connection are read and answered in order.
 */
public final class RecordingHttpsServer implements AutoCloseable {
    private static final int MAX_HEAD = 64 * 1024;
    private static final int MAX_BODY = 16 << 20;

    /** One request as read: method, path, headers (names lower-cased) and body. */
    public record Request(String method, String path, Map<String, String> headers, byte[] body) {
        public String header(String name) {
            return headers.get(name.toLowerCase(Locale.ROOT));
        }
    }

    /** The raw bytes to answer the {@code index}th request with (0-based, over all connections); null closes it. */
    public interface Responder {
        byte[] respond(Request request, int index) throws IOException;
    }

    private final SSLServerSocket socket;
    private final Responder responder;
    private final List<Request> requests = new ArrayList<>();
    private final List<Socket> connections = new ArrayList<>();
    private final Thread acceptor;

    private RecordingHttpsServer(SSLServerSocket socket, Responder responder) {
        this.socket = socket;
        this.responder = responder;
        this.acceptor = new Thread(this::accept, "test-https-accept");
        acceptor.setDaemon(true);
    }

    /** Serves with {@code server}'s key, certificate and CA; with {@code clientCa}, clients must present one it issued. */
    public static RecordingHttpsServer start(Credentials server, X509Certificate clientCa, Responder responder)
            throws Exception {
        KeyStore ks = KeyStore.getInstance("PKCS12");
        ks.load(null, null);
        List<X509Certificate> chain = new ArrayList<>(List.of(server.certificate()));
        chain.addAll(server.trustBundle()); // the gateway sends its CA too: first contact checks it against the pin
        ks.setKeyEntry("server", server.key(), new char[0], chain.toArray(X509Certificate[]::new));
        KeyManagerFactory kmf = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
        kmf.init(ks, new char[0]);
        KeyStore ts = KeyStore.getInstance("PKCS12");
        ts.load(null, null);
        if (clientCa != null) {
            ts.setCertificateEntry("ca", clientCa);
        }
        TrustManagerFactory tmf = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
        tmf.init(ts);
        SSLContext ctx = SSLContext.getInstance("TLS");
        ctx.init(kmf.getKeyManagers(), tmf.getTrustManagers(), null);
        SSLServerSocket s = (SSLServerSocket) ctx.getServerSocketFactory().createServerSocket(0, 16,
                InetAddress.getLoopbackAddress());
        s.setNeedClientAuth(clientCa != null);
        RecordingHttpsServer recording = new RecordingHttpsServer(s, responder);
        recording.acceptor.start();
        return recording;
    }

    public int port() {
        return socket.getLocalPort();
    }

    /** {@code https://127.0.0.1:PORT} followed by {@code path}. */
    public String url(String path) {
        return "https://127.0.0.1:" + port() + path;
    }

    /** Closes every connection accepted so far, as a server's idle timeout does (TLS close_notify, then TCP). */
    public synchronized void closeConnections() throws IOException {
        for (Socket c : connections) {
            c.close();
        }
    }

    /** Connections accepted so far. */
    public synchronized int connections() {
        return connections.size();
    }

    public synchronized List<Request> requests() {
        return List.copyOf(requests);
    }

    /** Waits until {@code n} requests were read, at most {@code timeout}; the requests read by then. */
    public synchronized List<Request> await(int n, Duration timeout) throws InterruptedException {
        long end = System.nanoTime() + timeout.toNanos();
        while (requests.size() < n) {
            long left = end - System.nanoTime();
            if (left <= 0) {
                break;
            }
            wait(Math.max(1, left / 1_000_000));
        }
        return List.copyOf(requests);
    }

    /** An HTTP/1.1 response with a Content-Length, the given headers and body. */
    public static byte[] response(int status, String reason, Map<String, String> headers, byte[] body) {
        StringBuilder head = new StringBuilder("HTTP/1.1 " + status + " " + reason + "\r\n");
        headers.forEach((k, v) -> head.append(k).append(": ").append(v).append("\r\n"));
        head.append("Content-Length: ").append(body.length).append("\r\n\r\n");
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        out.writeBytes(head.toString().getBytes(StandardCharsets.ISO_8859_1));
        out.writeBytes(body);
        return out.toByteArray();
    }

    private void accept() {
        while (!socket.isClosed()) {
            try {
                Socket c = socket.accept();
                synchronized (this) {
                    connections.add(c);
                }
                Thread t = new Thread(() -> serve(c), "test-https-conn");
                t.setDaemon(true);
                t.start();
            } catch (IOException e) {
                return; // closed
            }
        }
    }

    private void serve(Socket c) {
        try (c; InputStream in = c.getInputStream(); OutputStream out = c.getOutputStream()) {
            for (Request r = read(in); r != null; r = read(in)) {
                int index;
                synchronized (this) {
                    index = requests.size();
                    requests.add(r);
                    notifyAll();
                }
                byte[] answer = responder.respond(r, index);
                if (answer == null) {
                    return;
                }
                out.write(answer);
                out.flush();
            }
        } catch (IOException e) {
            // the client went away, or the handshake failed: nothing to record
        }
    }

    /** Reads one request; null at the end of the connection. */
    private static Request read(InputStream in) throws IOException {
        ByteArrayOutputStream head = new ByteArrayOutputStream();
        int state = 0;
        while (state < 4) {
            int b = in.read();
            if (b < 0) {
                return null;
            }
            head.write(b);
            state = (b == '\r' && state % 2 == 0) || (b == '\n' && state % 2 == 1) ? state + 1 : 0;
            if (head.size() > MAX_HEAD) {
                throw new IOException("request head longer than " + MAX_HEAD + " bytes");
            }
        }
        String[] lines = head.toString(StandardCharsets.ISO_8859_1).split("\r\n");
        String[] first = lines[0].split(" ");
        Map<String, String> headers = new TreeMap<>();
        for (int i = 1; i < lines.length; i++) {
            int colon = lines[i].indexOf(':');
            if (colon > 0) {
                headers.put(lines[i].substring(0, colon).trim().toLowerCase(Locale.ROOT),
                        lines[i].substring(colon + 1).trim());
            }
        }
        int length = Integer.parseInt(headers.getOrDefault("content-length", "0"));
        if (length > MAX_BODY) {
            throw new IOException("request body of " + length + " bytes");
        }
        return new Request(first[0], first[1], headers, in.readNBytes(length));
    }

    @Override
    public void close() throws IOException, InterruptedException {
        socket.close();
        synchronized (this) {
            for (Socket c : connections) {
                c.close();
            }
        }
        acceptor.join(5_000);
    }
}
