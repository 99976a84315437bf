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
 * Aggregates a request up to {@code maxBytes}, within a listener-wide {@link MemoryBudget} when one is given. A
 * larger request is refused as soon as its {@code Content-Length} (or the running total of its chunks) passes the
 * bound, and one that does not fit the budget as soon as its headers are read; neither body is read. Instead of
 * answering from the I/O thread, which would overtake the answers to earlier pipelined requests, it passes the
 * handler an empty request whose decoder result says why ({@link #tooLarge}, {@link #overBudget}), so the 413 or 503
 * goes out in order. The body of a request over the budget is skipped unread and the connection may go on.
 */
public final class BoundedAggregator extends HttpObjectAggregator {
    private final Logger log;
    private final String listener;
    private final MemoryBudget.Held budget;
    private boolean overBudget;

    public BoundedAggregator(int maxBytes, Logger log, String listener) {
        this(maxBytes, log, listener, null);
    }

    /** @param budget this connection's share of the listener's budget, or null for none */
    public BoundedAggregator(int maxBytes, Logger log, String listener, MemoryBudget.Held budget) {
        super(maxBytes);
        this.log = log;
        this.listener = listener;
        this.budget = budget;
    }

    /** The body did not fit the listener's memory budget: answer 503, retry later. */
    public static final class OverBudgetException extends TooLongFrameException {
        private static final long serialVersionUID = 1L;

        OverBudgetException(String message) {
            super(message);
        }
    }

    /** Whether {@code request} stands for a body over the bound (see the class comment). */
    public static boolean tooLarge(FullHttpRequest request) {
        return request.decoderResult().isFailure()
                && request.decoderResult().cause() instanceof TooLongFrameException
                && !(request.decoderResult().cause() instanceof OverBudgetException);
    }

    /** Whether {@code request} stands for a body that did not fit the memory budget. */
    public static boolean overBudget(FullHttpRequest request) {
        return request.decoderResult().isFailure()
                && request.decoderResult().cause() instanceof OverBudgetException;
    }

    @Override
    protected boolean isContentLengthInvalid(HttpMessage start, int maxContentLength) {
        if (super.isContentLengthInvalid(start, maxContentLength)) {
            return true;
        }
        if (budget == null) {
            return false;
        }
        long want = HttpUtil.isContentLengthSet(start) ? HttpUtil.getContentLength(start, 0L)
                : HttpUtil.isTransferEncodingChunked(start) ? maxContentLength : 0;
        if (!budget.reserve(want)) {
            overBudget = true;
            return true;
        }
        budget.hold(want);
        return false;
    }

    @Override
    protected void handleOversizedMessage(ChannelHandlerContext ctx, HttpMessage oversized) {
        boolean busy = overBudget;
        overBudget = false;
        String size = HttpUtil.isContentLengthSet(oversized)
                ? HttpUtil.getContentLength(oversized) + " bytes" : "more than " + maxContentLength() + " bytes";
        if (!busy) {
            log.warn("{}: request from {} refused with 413: body of {} exceeds the bound of {} bytes", listener,
                    ctx.channel().remoteAddress(), size, maxContentLength());
        }
        if (oversized instanceof HttpRequest req) {
            if (budget != null) {
                budget.hold(0);
            }
            FullHttpRequest marker = new DefaultFullHttpRequest(req.protocolVersion(), req.method(), req.uri(),
                    Unpooled.EMPTY_BUFFER, req.headers().copy(), EmptyHttpHeaders.INSTANCE);
            if (!busy) {
                // Too large: the connection closes after the 413. Over the budget, the unread body is skipped and
                // the connection can go on (the handler keeps it for a batch answered "later").
                HttpUtil.setKeepAlive(marker, false);
            }
            marker.setDecoderResult(DecoderResult.failure(busy
                    ? new OverBudgetException("the gateway holds as many request bodies as it may; retry later")
                    : new TooLongHttpContentException("body of " + size + " exceeds the bound of "
                            + maxContentLength() + " bytes")));
            ctx.fireChannelRead(marker);
        } else {
            ctx.close();
        }
    }
}
