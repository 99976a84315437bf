package dev.outpost.agent.transport;

import io.netty.bootstrap.Bootstrap;
import io.netty.buffer.UnpooledByteBufAllocator;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.channel.socket.SocketChannel;
import io.netty.channel.socket.nio.NioSocketChannel;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpClientCodec;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpObjectAggregator;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.SslHandler;
import java.io.IOException;
import java.net.URI;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentLinkedDeque;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Supplier;

/**
 * A blocking HTTPS/1.1 client over one kept-alive Netty connection: one request at a time, each bounded by a
 * timeout and a response size. A new connection takes the current TLS context from {@code tls}, so a renewed
 * certificate is used by the next connection without a restart. It only ever connects; it never binds.
 */
public final class HttpsClient implements AutoCloseable {
    /** Largest response body read; gateway responses are a few hundred bytes. */
    public static final int MAX_RESPONSE_BYTES = 1 << 20;

    /** What became of connections made with a given TLS context (certificate rotation listens to this). */
    public interface TlsEvents {
        /** The peer answered a request on a connection made with {@code context}: it accepted the certificate. */
        void answered(SslContext context);

        /** The peer ended a connection made with {@code context} with a TLS alert (e.g. it refused the certificate). */
        void tlsRefused(SslContext context, IOException failure);
    }

    private static final TlsEvents NO_EVENTS = new TlsEvents() {
        @Override
        public void answered(SslContext context) {
        }

        @Override
        public void tlsRefused(SslContext context, IOException failure) {
        }
    };
    private static final org.slf4j.Logger LOG = org.slf4j.LoggerFactory.getLogger("outpost.agent.push");
    /** The servers tried in turn: the next after a connection to the current one fails. */
    private final List<URI> bases;
    private volatile URI base;
    private final Supplier<SslContext> tls;
    private final EventLoopGroup group;
    private final Duration timeout;
    private final TlsEvents events;
    private volatile Channel channel;
    /** The TLS context {@link #channel} was made with; a different current context means a new connection. */
    private SslContext channelContext;
    /** Futures of requests sent and not yet answered, oldest first (HTTP/1.1 answers in order). */
    private final Deque<CompletableFuture<Response>> pending = new ConcurrentLinkedDeque<>();

    public HttpsClient(URI base, Supplier<SslContext> tls, EventLoopGroup group, Duration timeout) {
        this(base, tls, group, timeout, NO_EVENTS);
    }

    /** As above, telling {@code events} whether connections made with each TLS context were answered. */
    public HttpsClient(URI base, Supplier<SslContext> tls, EventLoopGroup group, Duration timeout, TlsEvents events) {
        this(List.of(base), tls, group, timeout, events);
    }

    /**
     * A client of several servers (one fleet's gateways), tried in turn: a connection that cannot be made, or whose
     * handshake fails, moves the next request to the next server. Same path on each.
     */
    public HttpsClient(List<URI> bases, Supplier<SslContext> tls, EventLoopGroup group, Duration timeout,
            TlsEvents events) {
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
        this.group = group;
        this.timeout = timeout;
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
    public Response exchange(FullHttpRequest request) throws IOException {
        Pipelined p = exchangeAll(List.of(request));
        if (p.failure() != null) {
            throw p.failure();
        }
        return p.responses().get(0);
    }

    /**
     * Sends {@code requests} back to back on one connection (HTTP/1.1 pipelining) and collects the responses in
     * order, each within the timeout of the one before. A failure stops the collection and closes the connection.
     */
    public synchronized Pipelined exchangeAll(List<FullHttpRequest> requests) {
        Channel ch;
        try {
            ch = connection();
        } catch (IOException e) {
            requests.forEach(r -> r.release());
            if (refusedByPeer(e)) {
                events.tlsRefused(channelContext, e);
            }
            return new Pipelined(List.of(), e);
        }
        SslContext used = channelContext;
        Pipelined p = pipeline(ch, requests);
        if (!p.responses().isEmpty()) {
            events.answered(used);
        } else if (p.failure() != null && refusedByPeer(p.failure())) {
            events.tlsRefused(used, p.failure());
        }
        return p;
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

    private Pipelined pipeline(Channel ch, List<FullHttpRequest> requests) {
        List<CompletableFuture<Response>> futures = new ArrayList<>(requests.size());
        for (FullHttpRequest request : requests) {
            CompletableFuture<Response> f = new CompletableFuture<>();
            futures.add(f);
            pending.add(f);
            request.headers().set(HttpHeaderNames.HOST, base.getHost() + ":" + port());
            request.headers().set(HttpHeaderNames.CONNECTION, HttpHeaderValues.KEEP_ALIVE);
            HttpUtil.setContentLength(request, request.content().readableBytes());
            ch.write(request).addListener(w -> {
                if (!w.isSuccess()) {
                    f.completeExceptionally(w.cause());
                }
            });
        }
        ch.flush();
        List<Response> responses = new ArrayList<>(requests.size());
        for (CompletableFuture<Response> f : futures) {
            try {
                Response r = f.get(timeout.toMillis(), TimeUnit.MILLISECONDS);
                responses.add(r);
                if (!r.keepAlive()) {
                    disconnect();
                    break;
                }
            } catch (TimeoutException e) {
                disconnect();
                return new Pipelined(responses, new IOException("no response from " + base + " within "
                        + timeout.toSeconds() + " s"));
            } catch (ExecutionException e) {
                disconnect();
                return new Pipelined(responses, new IOException(Failures.describe(e.getCause(), base), e.getCause()));
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                disconnect();
                return new Pipelined(responses, new IOException("interrupted"));
            }
        }
        IOException cut = responses.size() < requests.size()
                ? new IOException("connection closed by " + base + " before every response") : null;
        return new Pipelined(responses, cut);
    }

    private Channel connection() throws IOException {
        SslContext ctx = tls.get();
        if (channel != null && channel.isActive() && ctx == channelContext) {
            return channel;
        }
        if (channel != null) {
            // Idle (requests are answered before the next exchange starts): closing it loses nothing.
            channel.close();
            channel = null;
        }
        channelContext = ctx;
        // Kept here, not looked up in the pipeline later: a handshake that fails fast closes the channel, and a
        // closed channel's pipeline no longer holds its handlers.
        CompletableFuture<SslHandler> tlsHandler = new CompletableFuture<>();
        Bootstrap b = new Bootstrap().group(group).channel(NioSocketChannel.class)
                .option(ChannelOption.CONNECT_TIMEOUT_MILLIS, (int) Math.min(timeout.toMillis(), Integer.MAX_VALUE))
                .option(ChannelOption.ALLOCATOR, UnpooledByteBufAllocator.DEFAULT)
                .option(ChannelOption.TCP_NODELAY, true)
                .handler(new ChannelInitializer<SocketChannel>() {
                    @Override
                    protected void initChannel(SocketChannel c) {
                        SslHandler ssl = ctx.newHandler(c.alloc(), base.getHost(), port());
                        ssl.setHandshakeTimeoutMillis(timeout.toMillis());
                        tlsHandler.complete(ssl);
                        c.pipeline().addLast("tls", ssl)
                                .addLast("http", new HttpClientCodec())
                                .addLast("aggregate", new HttpObjectAggregator(MAX_RESPONSE_BYTES))
                                .addLast("response", new ResponseHandler());
                    }
                });
        try {
            ChannelFuture connect = b.connect(base.getHost(), port());
            if (!connect.await(timeout.toMillis() + 1000) || !connect.isSuccess()) {
                connect.channel().close();
                IOException e = new IOException(Failures.describe(connect.cause(), base), connect.cause());
                nextServer();
                throw e;
            }
            Channel c = connect.channel();
            var handshake = tlsHandler.getNow(null).handshakeFuture(); // initChannel ran before the connect succeeded
            if (!handshake.await(timeout.toMillis() + 1000) || !handshake.isSuccess()) {
                c.close();
                IOException e = new IOException(Failures.describe(handshake.cause(), base), handshake.cause());
                nextServer();
                throw e;
            }
            channel = c;
            return c;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted while connecting to " + base);
        }
    }

    private int port() {
        return base.getPort() == -1 ? 443 : base.getPort();
    }

    /** Closes the current connection; the next request opens a new one (with the current certificate). */
    public synchronized void disconnect() {
        if (channel != null) {
            channel.close();
            channel = null;
        }
        failAll(new IOException("connection to " + base + " closed"));
    }

    @Override
    public void close() {
        disconnect();
    }

    private final class ResponseHandler extends SimpleChannelInboundHandler<FullHttpResponse> {
        @Override
        protected void channelRead0(ChannelHandlerContext ctx, FullHttpResponse msg) {
            if (ctx.channel() != channel) {
                return;
            }
            CompletableFuture<Response> p = pending.poll();
            if (p != null) {
                p.complete(Response.of(msg));
            }
        }

        @Override
        public void channelInactive(ChannelHandlerContext ctx) {
            if (ctx.channel() == channel) {
                failAll(new IOException("connection closed by " + base));
            }
        }

        @Override
        public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
            if (ctx.channel() == channel) {
                failAll(cause);
            }
            ctx.close();
        }
    }

    private void failAll(Throwable cause) {
        for (CompletableFuture<Response> p = pending.poll(); p != null; p = pending.poll()) {
            p.completeExceptionally(cause);
        }
    }
}
