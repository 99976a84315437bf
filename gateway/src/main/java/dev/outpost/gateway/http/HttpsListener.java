package dev.outpost.gateway.http;

import dev.outpost.gateway.config.ListenerConnections;
import dev.outpost.gateway.ingest.LogLimiter;
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
import io.netty.util.concurrent.EventExecutorGroup;
import java.net.InetSocketAddress;
import java.time.Clock;
import java.time.Duration;
import java.util.concurrent.Executor;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;

/**
 * One HTTPS listener. Accepting pauses while the CPU work of its TLS handshakes is at its bound ({@link AcceptGate}).
 * Pipeline, in order: connection caps (in all and per source address, before any TLS work), TLS with a handshake
 * deadline (nothing is read before the handshake succeeds), refused-handshake logging,
 * request and idle deadlines, HTTP codec with bounded line and header sizes, canonical header names on the way out
 * (for every response, whichever handler writes it), size- and budget-bounded aggregator, then the handler — on the
 * I/O thread, or on {@code blocking} for handlers that do database or disk work.
 */
public final class HttpsListener implements AutoCloseable {
    public static final int MAX_INITIAL_LINE = 4096;
    public static final int MAX_HEADER_BYTES = 8192;
    private final String name;
    private final Channel channel;
    private final ConnectionLimits limits;
    private final AcceptGate gate;

    /** What a new connection's handler gets: its share of the memory budget (null without a budget). */
    @FunctionalInterface
    public interface HandlerFactory {
        ChannelHandler create(MemoryBudget.Held budget);
    }

    /**
     * How a listener bounds its connections and requests. {@code handshakeTasks} runs the CPU-heavy steps of TLS
     * handshakes (the engine's delegated tasks: signatures, certificate checks), shared by the listeners, so that a
     * storm of new connections does not queue the requests of established ones behind handshakes on the I/O threads;
     * null runs them on the connection's I/O thread.
     */
    public record Settings(ListenerConnections connections, int maxBodyBytes, MemoryBudget budget,
            Executor handshakeTasks) {
        public Settings(ListenerConnections connections, int maxBodyBytes, MemoryBudget budget) {
            this(connections, maxBodyBytes, budget, null);
        }
    }

    private HttpsListener(String name, Channel channel, ConnectionLimits limits, AcceptGate gate) {
        this.name = name;
        this.channel = channel;
        this.limits = limits;
        this.gate = gate;
    }

    /**
     * Binds {@code address} and serves with a new handler per connection from {@code handlers}, run on
     * {@code blocking} if that is not null, else on the connection's I/O thread.
     */
    public static HttpsListener bind(String name, InetSocketAddress address, EventLoopGroup boss, EventLoopGroup workers,
            ServerTls tls, Settings settings, EventExecutorGroup blocking, HandlerFactory handlers, Logger log,
            Clock clock) throws InterruptedException {
        LogLimiter logLimiter = new LogLimiter(clock, Duration.ofMinutes(1), 10_000);
        ListenerConnections c = settings.connections();
        ConnectionLimits limits = new ConnectionLimits(name, c.max(), c.maxPerAddress(), log, logLimiter);
        AcceptGate gate = new AcceptGate(c.maxHandshakes());
        Executor handshakeTasks = settings.handshakeTasks() == null ? null : gate.counting(settings.handshakeTasks());
        ServerBootstrap b = new ServerBootstrap()
                .group(boss, workers)
                .channel(NioServerSocketChannel.class)
                .option(ChannelOption.SO_BACKLOG, 1024)
                .handler(new AcceptErrors(name, log, logLimiter, gate))
                .childOption(ChannelOption.ALLOCATOR, UnpooledByteBufAllocator.DEFAULT)
                .childHandler(new ChannelInitializer<SocketChannel>() {
                    @Override
                    protected void initChannel(SocketChannel ch) {
                        SslHandler ssl = handshakeTasks == null ? tls.context().newHandler(ch.alloc())
                                : tls.context().newHandler(ch.alloc(), handshakeTasks);
                        ssl.setHandshakeTimeout(c.handshakeTimeout().toMillis(), TimeUnit.MILLISECONDS);
                        ssl.handshakeFuture().addListener(f -> {
                            if (f.isSuccess()) {
                                ServerTls.noResumption(ssl.engine());
                            }
                        });
                        ConnectionTimeouts timeouts = new ConnectionTimeouts(name, c.requestTimeout(),
                                c.idleTimeout(), log);
                        MemoryBudget.Held held = settings.budget() == null ? null
                                : new MemoryBudget.Held(settings.budget());
                        ch.pipeline()
                                .addLast("limits", limits)
                                .addLast("tls", ssl)
                                .addLast("handshake-log", new HandshakeLogger(name, log, logLimiter))
                                .addLast("deadline-bytes", timeouts.bytes())
                                .addLast("http", new HttpServerCodec(MAX_INITIAL_LINE, MAX_HEADER_BYTES, 8192))
                                .addLast("header-case", new CanonicalHeaderNames())
                                .addLast("deadline", timeouts)
                                .addLast("aggregate", new BoundedAggregator(settings.maxBodyBytes(), log, name, held));
                        ChannelHandler handler = handlers.create(held);
                        if (blocking == null) {
                            ch.pipeline().addLast("handler", handler);
                        } else {
                            ch.pipeline().addLast(blocking, "handler", handler);
                        }
                    }
                });
        Channel ch = b.bind(address).sync().channel();
        gate.bound(ch);
        return new HttpsListener(name, ch, limits, gate);
    }

    public InetSocketAddress address() {
        return (InetSocketAddress) channel.localAddress();
    }

    public String name() {
        return name;
    }

    /** Connections open now. */
    public int openConnections() {
        return limits.open();
    }

    /** TLS handshakes whose CPU work waits or runs now. */
    public int handshakes() {
        return gate.handshakes();
    }

    /** Whether the listener accepts connections now (not while its handshake work is at its bound). */
    public boolean accepting() {
        return channel.config().isAutoRead();
    }

    @Override
    public void close() {
        channel.close().syncUninterruptibly();
    }
}
