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
import java.util.concurrent.CompletableFuture;
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
    private final URI base;
    private final Supplier<SslContext> tls;
    private final EventLoopGroup group;
    private final Duration timeout;
    private volatile Channel channel;
    private volatile CompletableFuture<Response> pending;

    public HttpsClient(URI base, Supplier<SslContext> tls, EventLoopGroup group, Duration timeout) {
        if (!"https".equals(base.getScheme()) || base.getHost() == null) {
            throw new IllegalArgumentException("URL \"" + base + "\" must be https://host[:port]");
        }
        if (timeout.isNegative() || timeout.isZero()) {
            throw new IllegalArgumentException("timeout " + timeout + " must be positive");
        }
        this.base = base;
        this.tls = tls;
        this.group = group;
        this.timeout = timeout;
    }

    public URI base() {
        return base;
    }

    /** Sends {@code request} (path relative to the server) and waits for the whole response. */
    public synchronized Response exchange(FullHttpRequest request) throws IOException {
        Channel ch = connection();
        CompletableFuture<Response> result = new CompletableFuture<>();
        pending = result;
        request.headers().set(HttpHeaderNames.HOST, base.getHost() + ":" + port());
        request.headers().set(HttpHeaderNames.CONNECTION, HttpHeaderValues.KEEP_ALIVE);
        HttpUtil.setContentLength(request, request.content().readableBytes());
        ch.writeAndFlush(request).addListener(f -> {
            if (!f.isSuccess()) {
                result.completeExceptionally(f.cause());
            }
        });
        try {
            Response r = result.get(timeout.toMillis(), TimeUnit.MILLISECONDS);
            if (!r.keepAlive()) {
                disconnect();
            }
            return r;
        } catch (TimeoutException e) {
            disconnect();
            throw new IOException("no response from " + base + " within " + timeout.toSeconds() + " s");
        } catch (ExecutionException e) {
            disconnect();
            throw new IOException(Failures.describe(e.getCause(), base), e.getCause());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            disconnect();
            throw new IOException("interrupted");
        }
    }

    private Channel connection() throws IOException {
        if (channel != null && channel.isActive()) {
            return channel;
        }
        SslContext ctx = tls.get();
        Bootstrap b = new Bootstrap().group(group).channel(NioSocketChannel.class)
                .option(ChannelOption.CONNECT_TIMEOUT_MILLIS, (int) Math.min(timeout.toMillis(), Integer.MAX_VALUE))
                .option(ChannelOption.ALLOCATOR, UnpooledByteBufAllocator.DEFAULT)
                .option(ChannelOption.TCP_NODELAY, true)
                .handler(new ChannelInitializer<SocketChannel>() {
                    @Override
                    protected void initChannel(SocketChannel c) {
                        SslHandler ssl = ctx.newHandler(c.alloc(), base.getHost(), port());
                        ssl.setHandshakeTimeoutMillis(timeout.toMillis());
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
                throw new IOException(Failures.describe(connect.cause(), base), connect.cause());
            }
            Channel c = connect.channel();
            var handshake = c.pipeline().get(SslHandler.class).handshakeFuture();
            if (!handshake.await(timeout.toMillis() + 1000) || !handshake.isSuccess()) {
                c.close();
                throw new IOException(Failures.describe(handshake.cause(), base), handshake.cause());
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
            CompletableFuture<Response> p = pending;
            if (p != null) {
                p.complete(Response.of(msg));
            }
        }

        @Override
        public void channelInactive(ChannelHandlerContext ctx) {
            if (ctx.channel() != channel) {
                return;
            }
            CompletableFuture<Response> p = pending;
            if (p != null) {
                p.completeExceptionally(new IOException("connection closed by " + base));
            }
        }

        @Override
        public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
            CompletableFuture<Response> p = pending;
            if (p != null && ctx.channel() == channel) {
                p.completeExceptionally(cause);
            }
            ctx.close();
        }
    }
}
