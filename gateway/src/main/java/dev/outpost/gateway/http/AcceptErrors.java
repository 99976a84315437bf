package dev.outpost.gateway.http;

import dev.outpost.gateway.ingest.LogLimiter;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import org.slf4j.Logger;

/**
 * On a listening socket: an accept that fails (out of file descriptors, out of memory for the socket) pauses
 * accepting for a second, so the loop does not spin, and is logged at most once a minute with a count instead of a
 * stack trace per attempt. Existing connections are not affected.
 */
final class AcceptErrors extends ChannelInboundHandlerAdapter {
    private final String listener;
    private final Logger log;
    private final LogLimiter logLimiter;
    private final AcceptGate gate;

    AcceptErrors(String listener, Logger log, LogLimiter logLimiter, AcceptGate gate) {
        this.listener = listener;
        this.log = log;
        this.logLimiter = logLimiter;
        this.gate = gate;
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        long suppressed = logLimiter.allow(listener + " accept");
        if (suppressed >= 0) {
            log.warn("{}: accepting a connection failed: {}{}; pausing accepts for 1 s (raise LimitNOFILE if it "
                    + "says too many open files)", listener, HandshakeLogger.reason(cause),
                    suppressed > 0 ? " (" + suppressed + " more in the last minute)" : "");
        }
        gate.acceptFailed(ctx.channel());
    }
}
