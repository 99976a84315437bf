package dev.outpost.gateway.http;

import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.http.HttpObjectAggregator;
import io.netty.handler.codec.http.HttpMessage;
import io.netty.handler.codec.http.HttpUtil;
import org.slf4j.Logger;

/**
 * Aggregates a request up to {@code maxBytes}; a larger one is answered 413 as soon as its
 * {@code Content-Length} (or the running total of its chunks) passes the bound, without reading the rest.
 */
public final class BoundedAggregator extends HttpObjectAggregator {
    private final Logger log;
    private final String listener;

    public BoundedAggregator(int maxBytes, Logger log, String listener) {
        super(maxBytes);
        this.log = log;
        this.listener = listener;
    }

    @Override
    protected void handleOversizedMessage(ChannelHandlerContext ctx, HttpMessage oversized) throws Exception {
        log.warn("{}: request from {} refused with 413: body of {} bytes exceeds the bound of {} bytes", listener,
                ctx.channel().remoteAddress(),
                HttpUtil.isContentLengthSet(oversized) ? String.valueOf(HttpUtil.getContentLength(oversized)) : "more than",
                maxContentLength());
        super.handleOversizedMessage(ctx, oversized);
    }
}
