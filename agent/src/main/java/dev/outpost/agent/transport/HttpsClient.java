package dev.outpost.agent.transport;

import dev.outpost.agent.tls.ClientTls;
import java.io.BufferedOutputStream;
import java.io.ByteArrayOutputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;
import javax.net.ssl.SSLSocket;

/**
 * A blocking HTTPS/1.1 client over one kept-alive connection (the JDK's {@link SSLSocket}), used by one thread at a
 * time: one request, or several pipelined, each answer bounded in time and size ({@link ResponseReader}). A new
 * connection takes the current TLS configuration from {@code tls}, so a renewed certificate is used by the next
 * connection without a restart. It only ever connects; it never binds.
 *
 * <p>Time: the connection is made within the timeout, the handshake completes within it, and every response
 * arrives whole within it (counted from the request's write, then from the response before): each read waits at
 * most the timeout, and a deadline closes the connection when the whole takes longer, so a peer that trickles
 * bytes (or stops reading what the agent writes) holds the agent no longer than that.
 */
public final class HttpsClient implements AutoCloseable {
    /** Largest response body read; gateway responses are a few hundred bytes. */
    public static final int MAX_RESPONSE_BYTES = 1 << 20;

    /** What became of connections made with a given TLS configuration (certificate rotation listens to this). */
    public interface TlsEvents {
        /** The peer answered a request on a connection made with {@code context}: it accepted the certificate. */
        void answered(ClientTls context);

        /** The peer ended a connection made with {@code context} with a TLS alert (e.g. it refused the certificate). */
        void tlsRefused(ClientTls context, IOException failure);
    }

    private static final TlsEvents NO_EVENTS = new TlsEvents() {
        @Override
        public void answered(ClientTls context) {
        }

        @Override
        public void tlsRefused(ClientTls context, IOException failure) {
        }
    };
    private static final org.slf4j.Logger LOG = org.slf4j.LoggerFactory.getLogger("outpost.agent.push");
    /** The servers tried in turn: the next after a connection to the current one fails. */
    private final List<URI> bases;
    private volatile URI base;
    private final Supplier<ClientTls> tls;
    private final Duration timeout;
    private final int timeoutMillis;
    private final TlsEvents events;
    private Connection connection;
    /** The TLS configuration of the last connection made or tried. */
    private ClientTls lastContext;

    public HttpsClient(URI base, Supplier<ClientTls> tls, Duration timeout) {
        this(base, tls, timeout, NO_EVENTS);
    }

    /** As above, telling {@code events} whether connections made with each TLS configuration were answered. */
    public HttpsClient(URI base, Supplier<ClientTls> tls, Duration timeout, TlsEvents events) {
        this(List.of(base), tls, timeout, events);
    }

    /**
     * A client of several servers (one fleet's gateways), tried in turn: a connection that cannot be made, or whose
     * handshake fails, moves the next request to the next server. Same path on each.
     */
    public HttpsClient(List<URI> bases, Supplier<ClientTls> tls, Duration timeout, TlsEvents events) {
        if (bases.isEmpty()) {
            throw new IllegalArgumentException("no server URL");
        }
        for (URI base : bases) {
            if (!"https".equals(base.getScheme()) || base.getHost() == null) {
                throw new IllegalArgumentException("URL \"" + base + "\" must be https://host[:port]");
            }
        }
        if (timeout.isNegative() || timeout.isZero()) {
            throw new IllegalArgumentException("timeout " + timeout + " must be positive");
        }
        this.bases = List.copyOf(bases);
        this.base = this.bases.get(0);
        this.tls = tls;
        this.timeout = timeout;
        this.timeoutMillis = (int) Math.max(1, Math.min(timeout.toMillis(), Integer.MAX_VALUE));
        this.events = events;
    }

    /** The server the next request goes to. */
    public URI base() {
        return base;
    }

    /** After a failed connection: the next server, if there are several. */
    private void nextServer() {
        if (bases.size() > 1) {
            URI failed = base;
            base = bases.get((bases.indexOf(failed) + 1) % bases.size());
            LOG.info("{} cannot be reached; trying {} next", failed, base);
        }
    }

    /** Responses to a pipeline, in request order; {@code failure} ends it early (the rest got no answer). */
    public record Pipelined(List<Response> responses, IOException failure) {
    }

    /** Sends {@code request} (path relative to the server) and waits for the whole response. */
    public Response exchange(Request request) throws IOException {
        Pipelined p = exchangeAll(List.of(request));
        if (p.failure() != null) {
            throw p.failure();
        }
        return p.responses().get(0);
    }

    /**
     * Sends {@code requests} back to back on one connection (HTTP/1.1 pipelining) and reads the responses in
     * order, each within the timeout of the one before. A failure stops the reading and closes the connection; a kept
     * connection that fails before any answer (cut while idle) is replaced, and the requests sent again, once.
     */
    public synchronized Pipelined exchangeAll(List<Request> requests) {
        Connection kept = connection;
        for (int attempt = 0; ; attempt++) {
            Connection c;
            try {
                c = connection();
            } catch (IOException e) {
                if (refusedByPeer(e)) {
                    events.tlsRefused(lastContext, e);
                }
                return new Pipelined(List.of(), e);
            }
            Pipelined p = pipeline(c, requests);
            if (attempt == 0 && c == kept && p.responses().isEmpty() && p.failure() != null
                    && p.failure().getCause() != null && !refusedByPeer(p.failure())) {
                // A kept connection failed before any answer, not by a timeout or a TLS alert: closed by the peer or
                // a middlebox while idle, without a word this side could have seen (see Connection.usable). Once
                // more on a new connection, as HTTP clients do: the requests carry idempotency keys, so one that got
                // through after all is recognised, not stored twice.
                LOG.debug("the kept connection to {} was closed while idle ({}); sending on a new one", base,
                        p.failure().getMessage());
                continue;
            }
            if (!p.responses().isEmpty()) {
                events.answered(c.context);
            } else if (p.failure() != null && refusedByPeer(p.failure())) {
                events.tlsRefused(c.context, p.failure());
            }
            return p;
        }
    }

    /** Whether the peer sent a fatal TLS alert (not a network failure, not our refusal of its certificate). */
    static boolean refusedByPeer(IOException e) {
        for (Throwable t = e; t != null; t = t.getCause() == t ? null : t.getCause()) {
            if (t instanceof javax.net.ssl.SSLException && t.getMessage() != null
                    && t.getMessage().contains("Received fatal alert")) {
                return true;
            }
        }
        return false;
    }

    private Pipelined pipeline(Connection c, List<Request> requests) {
        List<Response> responses = new ArrayList<>(requests.size());
        try {
            c.arm();
            c.out.write(encode(requests));
            c.out.flush();
            for (int i = 0; i < requests.size(); i++) {
                if (i > 0) {
                    c.arm(); // each response within the timeout of the one before
                }
                Response r;
                try {
                    r = c.reader.read();
                } catch (EOFException e) {
                    if (!responses.isEmpty()) {
                        break; // closed after answering some: the rest are unanswered (below)
                    }
                    throw e;
                }
                responses.add(r);
                if (!r.keepAlive()) {
                    break;
                }
            }
            c.disarm();
        } catch (IOException e) {
            boolean late = c.expired() || e instanceof SocketTimeoutException;
            close(c);
            return new Pipelined(responses, late ? new IOException("no response from " + base + " within "
                    + timeout.toSeconds() + " s") : new IOException(Failures.describe(e, base), e));
        }
        if (responses.isEmpty() || !responses.get(responses.size() - 1).keepAlive()
                || responses.size() < requests.size()) {
            close(c);
        }
        IOException cut = responses.size() < requests.size()
                ? new IOException("connection closed by " + base + " before every response") : null;
        return new Pipelined(responses, cut);
    }

    /** The requests as they go on the wire, one after the other. */
    private byte[] encode(List<Request> requests) {
        int bodies = 0;
        for (Request r : requests) {
            bodies += r.body().length;
        }
        ByteArrayOutputStream wire = new ByteArrayOutputStream(256 * requests.size() + bodies);
        String host = "Host: " + hostHeader() + "\r\nConnection: keep-alive\r\n";
        for (Request r : requests) {
            StringBuilder head = new StringBuilder(256);
            head.append(r.method()).append(' ').append(r.path()).append(" HTTP/1.1\r\n").append(host);
            for (String h : r.headerLines()) {
                head.append(h).append("\r\n");
            }
            head.append("Content-Length: ").append(r.body().length).append("\r\n\r\n");
            wire.writeBytes(head.toString().getBytes(StandardCharsets.UTF_8));
            wire.writeBytes(r.body());
        }
        return wire.toByteArray();
    }

    private String hostHeader() {
        String host = base.getHost();
        return host + ":" + port(); // getHost() keeps an IPv6 literal's brackets
    }

    private Connection connection() throws IOException {
        ClientTls ctx = tls.get();
        if (connection != null && ctx == connection.context && connection.usable()) {
            return connection;
        }
        if (connection != null) {
            // Idle (requests are answered before the next exchange starts): closing it loses nothing.
            close(connection);
        }
        lastContext = ctx;
        String host = base.getHost();
        String name = host.startsWith("[") && host.endsWith("]") ? host.substring(1, host.length() - 1) : host;
        Socket raw = new Socket();
        try {
            raw.setTcpNoDelay(true);
            raw.connect(new InetSocketAddress(name, port()), timeoutMillis);
        } catch (IOException e) {
            closeQuietly(raw);
            IOException failure = new IOException(Failures.describe(e, base), e);
            nextServer();
            throw failure;
        }
        Connection c = null;
        try {
            raw.setSoTimeout(timeoutMillis);
            SSLSocket s = ctx.layer(raw, name, port());
            c = new Connection(raw, s, ctx, base.toString());
            c.arm();
            s.startHandshake();
            c.disarm();
            connection = c;
            return c;
        } catch (IOException | RuntimeException e) {
            boolean late = (c != null && c.expired()) || e instanceof SocketTimeoutException;
            closeQuietly(raw);
            IOException failure = late ? new IOException("TLS handshake with " + base + " failed: no answer within "
                    + timeout.toSeconds() + " s", e) : new IOException(Failures.describe(e, base), e);
            nextServer();
            throw failure;
        }
    }

    private int port() {
        return base.getPort() == -1 ? 443 : base.getPort();
    }

    /** Closes the current connection; the next request opens a new one (with the current certificate). */
    public synchronized void disconnect() {
        if (connection != null) {
            close(connection);
        }
    }

    @Override
    public void close() {
        disconnect();
    }

    private void close(Connection c) {
        c.disarm();
        if (!c.raw.isClosed()) {
            try {
                c.raw.setSoTimeout(1000);
                c.tls.close(); // close_notify, then the socket
            } catch (IOException e) {
                // closed anyway, below
            }
        }
        closeQuietly(c.raw);
        if (connection == c) {
            connection = null;
        }
    }

    private static void closeQuietly(Socket s) {
        try {
            s.close();
        } catch (IOException e) {
            // nothing to do
        }
    }

    /** One connection: the TCP socket, TLS over it, the reader of its responses, and its deadline. */
    private final class Connection {
        final Socket raw;
        final SSLSocket tls;
        final ClientTls context;
        final OutputStream out;
        final ResponseReader reader;
        private ScheduledFuture<?> deadline;
        private volatile boolean expired;

        Connection(Socket raw, SSLSocket tls, ClientTls context, String peer) throws IOException {
            this.raw = raw;
            this.tls = tls;
            this.context = context;
            this.out = new BufferedOutputStream(tls.getOutputStream(), 16 * 1024);
            this.reader = new ResponseReader(tls.getInputStream(), peer, MAX_RESPONSE_BYTES);
        }

        /** From now, the connection is closed if the work at hand takes longer than the timeout. */
        void arm() {
            disarm();
            deadline = Deadlines.TIMER.schedule(() -> {
                expired = true;
                closeQuietly(raw); // the TCP socket: unblocks a read or write in progress at once
            }, timeoutMillis, TimeUnit.MILLISECONDS);
        }

        void disarm() {
            if (deadline != null) {
                deadline.cancel(false);
                deadline = null;
            }
        }

        boolean expired() {
            return expired;
        }

        /**
         * Whether this idle connection can carry the next request: open, and the peer has neither closed it (an idle
         * timeout: close_notify or an alert) nor sent anything unasked. When bytes are waiting, looks at them for 1 ms
         * at most.
         */
        boolean usable() {
            if (raw.isClosed() || reader.buffered()) {
                return false;
            }
            try {
                if (raw.getInputStream().available() == 0) {
                    // Nothing arrived since the last answer (no close_notify, alert or stray byte): usable. Asking
                    // TLS instead costs a 1 ms timed read and an exception at every push, in the interpreter; a FIN
                    // alone is not seen here either way, and exchangeAll sends once more on a new connection.
                    return true;
                }
            } catch (IOException e) {
                return false;
            }
            try {
                raw.setSoTimeout(1);
                tls.getInputStream().read(); // the end of the stream, or a byte nobody asked for: not reusable
                return false;
            } catch (SocketTimeoutException e) {
                return true; // nothing to read: still open
            } catch (IOException e) {
                return false;
            } finally {
                try {
                    raw.setSoTimeout(timeoutMillis);
                } catch (IOException e) {
                    // closed: the next use fails and reconnects
                }
            }
        }
    }

    /**
     * The one timer thread of all clients, made at the first connection: it closes a connection whose deadline
     * passed. Idle (parked, no wake-ups) while no deadline is set; no thread per request or connection.
     */
    private static final class Deadlines {
        static final ScheduledThreadPoolExecutor TIMER = timer();

        private static ScheduledThreadPoolExecutor timer() {
            ScheduledThreadPoolExecutor t = new ScheduledThreadPoolExecutor(1, r -> {
                Thread th = new Thread(r, "outpost-deadline");
                th.setDaemon(true);
                return th;
            });
            t.setRemoveOnCancelPolicy(true);
            return t;
        }
    }
}
