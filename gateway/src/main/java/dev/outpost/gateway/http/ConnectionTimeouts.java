package dev.outpost.gateway.http;

import io.netty.channel.ChannelDuplexHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelPromise;
import io.netty.handler.codec.http.LastHttpContent;
import io.netty.util.concurrent.ScheduledFuture;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;

/**
 * The deadlines of one connection after its TLS handshake: a request must arrive whole within
 * {@code requestTimeout} of its first byte (so trickling headers or a body one byte at a time does not hold a
 * connection), and a connection with no request in progress and nothing read or written for {@code idleTimeout}
 * is closed. One scheduled check per connection at a time. Installed twice: before the HTTP codec (as
 * {@link #bytes()}, seeing raw bytes) and after it (seeing the end of each request).
 *
 * <p>While the gateway itself has stopped reading the connection (its pipelined requests wait for the sink), the
 * rest of a request that started to arrive waits in the socket through no fault of the client: its clock starts
 * again when reading resumes, so a busy gateway does not close the connections of agents it is slow to answer.
 * Times come from the channel's event loop ({@link io.netty.util.concurrent.Ticker}), so tests can drive them.
 */
public final class ConnectionTimeouts extends ChannelDuplexHandler {
    private final String listener;
    private final long requestNanos;
    private final long idleNanos;
    private final Logger log;
    /** When the request being read started, or 0 while none is. */
    private long requestStarted;
    private long lastActivity = Long.MIN_VALUE;
    private ScheduledFuture<?> check;
    private final Bytes bytes = new Bytes();

    public ConnectionTimeouts(String listener, Duration requestTimeout, Duration idleTimeout, Logger log) {
        this.listener = listener;
        this.requestNanos = requestTimeout.toNanos();
        this.idleNanos = idleTimeout.toNanos();
        this.log = log;
    }

    /** The part that goes before the HTTP codec: any byte read starts a request if none is in progress. */
    public ChannelDuplexHandler bytes() {
        return bytes;
    }

    private final class Bytes extends ChannelDuplexHandler {
        @Override
        public void channelRead(ChannelHandlerContext ctx, Object msg) throws Exception {
            long now = now(ctx);
            lastActivity = now;
            if (requestStarted == 0) {
                requestStarted = now;
                if (check != null && check.getDelay(TimeUnit.NANOSECONDS) > requestNanos) {
                    check.cancel(false);
                    schedule(ctx, requestNanos);
                }
            }
            ctx.fireChannelRead(msg);
        }

        @Override
        public void write(ChannelHandlerContext ctx, Object msg, ChannelPromise promise) throws Exception {
            lastActivity = now(ctx);
            ctx.write(msg, promise);
        }

        @Override
        public void handlerAdded(ChannelHandlerContext ctx) {
            lastActivity = now(ctx);
            schedule(ctx, idleNanos);
        }

        @Override
        public void channelInactive(ChannelHandlerContext ctx) throws Exception {
            if (check != null) {
                check.cancel(false);
            }
            ctx.fireChannelInactive();
        }
    }

    /** After the codec: the end of a request stops its deadline. */
    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) throws Exception {
        if (msg instanceof LastHttpContent) {
            requestStarted = 0;
        }
        ctx.fireChannelRead(msg);
    }

    private static long now(ChannelHandlerContext ctx) {
        return ctx.executor().ticker().nanoTime();
    }

    private void schedule(ChannelHandlerContext ctx, long delayNanos) {
        check = ctx.executor().schedule(() -> check(ctx), Math.max(delayNanos, 1_000_000), TimeUnit.NANOSECONDS);
    }

    private void check(ChannelHandlerContext ctx) {
        if (!ctx.channel().isActive()) {
            return;
        }
        long now = now(ctx);
        if (requestStarted != 0 && !ctx.channel().config().isAutoRead()) {
            requestStarted = now; // the gateway paused reading: the client is not the one that is slow
        }
        if (requestStarted != 0 && now - requestStarted >= requestNanos) {
            log.debug("{}: closing {}: a request did not arrive whole within {} s", listener,
                    ctx.channel().remoteAddress(), requestNanos / 1_000_000_000L);
            ctx.close();
            return;
        }
        if (requestStarted == 0 && now - lastActivity >= idleNanos) {
            log.debug("{}: closing {}: idle for {} s", listener, ctx.channel().remoteAddress(),
                    idleNanos / 1_000_000_000L);
            ctx.close();
            return;
        }
        long next = requestStarted != 0 ? requestStarted + requestNanos - now : lastActivity + idleNanos - now;
        schedule(ctx, next);
    }
}
