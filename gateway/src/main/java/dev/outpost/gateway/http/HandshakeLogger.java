package dev.outpost.gateway.http;

import dev.outpost.gateway.ingest.LogLimiter;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.handler.ssl.NotSslRecordException;
import io.netty.handler.ssl.SslHandshakeCompletionEvent;
import io.netty.handler.ssl.SslHandshakeTimeoutException;
import java.net.InetSocketAddress;
import org.slf4j.Logger;

/**
 * Logs refused TLS handshakes (no client certificate, wrong CA, plain HTTP, too slow), at most once a minute per
 * source address and reason, and never with the bytes the peer sent: a plain HTTP request to a TLS port may carry
 * credentials, and Netty's own message for it is a hex dump of them.
 */
final class HandshakeLogger extends ChannelInboundHandlerAdapter {
    private final String listener;
    private final Logger log;
    private final LogLimiter logLimiter;

    HandshakeLogger(String listener, Logger log, LogLimiter logLimiter) {
        this.listener = listener;
        this.log = log;
        this.logLimiter = logLimiter;
    }

    @Override
    public void userEventTriggered(ChannelHandlerContext ctx, Object evt) throws Exception {
        if (evt instanceof SslHandshakeCompletionEvent e && !e.isSuccess()) {
            String reason = reason(e.cause());
            String source = ctx.channel().remoteAddress() instanceof InetSocketAddress a && a.getAddress() != null
                    ? a.getAddress().getHostAddress() : String.valueOf(ctx.channel().remoteAddress());
            long suppressed = logLimiter.allow(listener + " handshake " + source + " " + reason);
            if (suppressed >= 0) {
                log.warn("{}: TLS handshake with {} failed: {}{}", listener, source, reason,
                        suppressed > 0 ? " (" + suppressed + " more from there in the last minute)" : "");
            }
        }
        super.userEventTriggered(ctx, evt);
    }

    /** A one-line reason without peer-controlled bytes. */
    static String reason(Throwable cause) {
        for (Throwable c = cause; c != null; c = c.getCause() == c ? null : c.getCause()) {
            if (c instanceof NotSslRecordException) {
                return "not a TLS record (plain HTTP or another protocol sent to a TLS port)";
            }
            if (c instanceof SslHandshakeTimeoutException) {
                return "handshake timed out";
            }
        }
        Throwable root = cause;
        while (root.getCause() != null && root.getCause() != root) {
            root = root.getCause();
        }
        String message = root.getMessage() == null ? root.getClass().getSimpleName() : root.getMessage();
        StringBuilder clean = new StringBuilder(Math.min(message.length(), 200));
        for (int i = 0; i < message.length() && clean.length() < 200; i++) {
            char ch = message.charAt(i);
            clean.append(ch >= 0x20 && ch < 0x7f ? ch : '?');
        }
        return clean.toString();
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        // Handshake failures were logged above; anything else at the transport level ends the connection.
        log.debug("{}: connection {} closed: {}", listener, ctx.channel().remoteAddress(), reason(cause));
        ctx.close();
    }
}
