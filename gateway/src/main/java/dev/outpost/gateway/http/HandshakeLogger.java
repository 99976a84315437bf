package dev.outpost.gateway.http;

import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.handler.ssl.SslHandshakeCompletionEvent;
import io.netty.handler.timeout.IdleStateEvent;
import org.slf4j.Logger;

/** Logs refused TLS handshakes (no client certificate, wrong CA, plain HTTP) and closes idle connections. */
final class HandshakeLogger extends ChannelInboundHandlerAdapter {
    private final String listener;
    private final Logger log;

    HandshakeLogger(String listener, Logger log) {
        this.listener = listener;
        this.log = log;
    }

    @Override
    public void userEventTriggered(ChannelHandlerContext ctx, Object evt) throws Exception {
        if (evt instanceof SslHandshakeCompletionEvent e && !e.isSuccess()) {
            Throwable cause = e.cause();
            while (cause.getCause() != null && cause.getCause() != cause) {
                cause = cause.getCause();
            }
            log.warn("{}: TLS handshake with {} failed: {}", listener, ctx.channel().remoteAddress(),
                    cause.getMessage());
        } else if (evt instanceof IdleStateEvent) {
            ctx.close();
            return;
        }
        super.userEventTriggered(ctx, evt);
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        // Handshake failures were logged above; anything else at the transport level ends the connection.
        log.debug("{}: connection {} closed: {}", listener, ctx.channel().remoteAddress(), cause.toString());
        ctx.close();
    }
}
