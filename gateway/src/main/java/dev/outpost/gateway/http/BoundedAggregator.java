package dev.outpost.gateway.http;

import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.DecoderResult;
import io.netty.handler.codec.TooLongFrameException;
import io.netty.handler.codec.http.DefaultFullHttpRequest;
import io.netty.handler.codec.http.EmptyHttpHeaders;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.HttpMessage;
import io.netty.handler.codec.http.HttpObjectAggregator;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.TooLongHttpContentException;
import org.slf4j.Logger;

/**
 * Aggregates a request up to {@code maxBytes}. A larger one is refused as soon as its {@code Content-Length} (or
 * the running total of its chunks) passes the bound, without reading the rest: instead of answering 413 from the
 * I/O thread, which would overtake the answers to earlier pipelined requests, it passes the handler an empty
 * request whose decoder result is a {@link TooLongHttpContentException}, so the 413 goes out in order.
 */
public final class BoundedAggregator extends HttpObjectAggregator {
    private final Logger log;
    private final String listener;

    public BoundedAggregator(int maxBytes, Logger log, String listener) {
        super(maxBytes);
        this.log = log;
        this.listener = listener;
    }

    /** Whether {@code request} stands for a body over the bound (see the class comment). */
    public static boolean tooLarge(FullHttpRequest request) {
        return request.decoderResult().isFailure()
                && request.decoderResult().cause() instanceof TooLongFrameException;
    }

    @Override
    protected void handleOversizedMessage(ChannelHandlerContext ctx, HttpMessage oversized) {
        String size = HttpUtil.isContentLengthSet(oversized)
                ? HttpUtil.getContentLength(oversized) + " bytes" : "more than " + maxContentLength() + " bytes";
        log.warn("{}: request from {} refused with 413: body of {} exceeds the bound of {} bytes", listener,
                ctx.channel().remoteAddress(), size, maxContentLength());
        if (oversized instanceof HttpRequest req) {
            FullHttpRequest marker = new DefaultFullHttpRequest(req.protocolVersion(), req.method(), req.uri(),
                    Unpooled.EMPTY_BUFFER, req.headers().copy(), EmptyHttpHeaders.INSTANCE);
            HttpUtil.setKeepAlive(marker, false);
            marker.setDecoderResult(DecoderResult.failure(new TooLongHttpContentException(
                    "body of " + size + " exceeds the bound of " + maxContentLength() + " bytes")));
            ctx.fireChannelRead(marker);
        } else {
            ctx.close();
        }
    }
}
