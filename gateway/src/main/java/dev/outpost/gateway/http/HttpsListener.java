package dev.outpost.gateway.http;

import io.netty.bootstrap.ServerBootstrap;
import io.netty.buffer.UnpooledByteBufAllocator;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.socket.SocketChannel;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.netty.handler.codec.http.HttpServerCodec;
import io.netty.handler.ssl.SslHandler;
import io.netty.handler.timeout.IdleStateHandler;
import io.netty.util.concurrent.EventExecutorGroup;
import java.net.InetSocketAddress;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;
import org.slf4j.Logger;

/**
 * One HTTPS listener. Pipeline, in order: TLS (nothing is read before the handshake succeeds), idle timeout,
 * HTTP codec with bounded line and header sizes, canonical header names on the way out, size-bounded aggregator,
 * then the handler on a blocking executor so that database and disk work never stalls the I/O threads.
 */
public final class HttpsListener implements AutoCloseable {
    public static final int MAX_INITIAL_LINE = 4096;
    public static final int MAX_HEADER_BYTES = 8192;
    public static final int IDLE_SECONDS = 75;
    private final String name;
    private final Channel channel;

    private HttpsListener(String name, Channel channel) {
        this.name = name;
        this.channel = channel;
    }

    /** Binds {@code address} and serves with a new handler per connection from {@code handlers}. */
    public static HttpsListener bind(String name, InetSocketAddress address, EventLoopGroup boss, EventLoopGroup workers,
            ServerTls tls, int maxBodyBytes, EventExecutorGroup blocking, Supplier<ChannelHandler> handlers, Logger log)
            throws InterruptedException {
        ServerBootstrap b = new ServerBootstrap()
                .group(boss, workers)
                .channel(NioServerSocketChannel.class)
                .option(ChannelOption.SO_BACKLOG, 256)
                .childOption(ChannelOption.ALLOCATOR, UnpooledByteBufAllocator.DEFAULT)
                .childHandler(new ChannelInitializer<SocketChannel>() {
                    @Override
                    protected void initChannel(SocketChannel ch) {
                        SslHandler ssl = tls.context().newHandler(ch.alloc());
                        ssl.setHandshakeTimeout(10, TimeUnit.SECONDS);
                        ch.pipeline()
                                .addLast("tls", ssl)
                                .addLast("handshake-log", new HandshakeLogger(name, log))
                                .addLast("idle", new IdleStateHandler(0, 0, IDLE_SECONDS, TimeUnit.SECONDS))
                                .addLast("http", new HttpServerCodec(MAX_INITIAL_LINE, MAX_HEADER_BYTES, 8192))
                                .addLast("header-case", new CanonicalHeaderNames())
                                .addLast("aggregate", new BoundedAggregator(maxBodyBytes, log, name))
                                .addLast(blocking, "handler", handlers.get());
                    }
                });
        Channel ch = b.bind(address).sync().channel();
        return new HttpsListener(name, ch);
    }

    public InetSocketAddress address() {
        return (InetSocketAddress) channel.localAddress();
    }

    public String name() {
        return name;
    }

    @Override
    public void close() {
        channel.close().syncUninterruptibly();
    }
}
