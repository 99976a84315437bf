package dev.outpost.gateway.http;

import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.DateFormatter;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.util.AsciiString;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Instant;
import java.util.Date;

/**
 * Builds and sends responses: always a {@code Date} header (agents check clock skew against it). Header names are
 * set in their canonical case, so that {@link CanonicalHeaderNames} has nothing to rewrite.
 */
public final class Responses {
    public static final AsciiString CONTENT_TYPE = AsciiString.cached("Content-Type");
    public static final AsciiString CONTENT_LENGTH = AsciiString.cached("Content-Length");
    public static final AsciiString DATE = AsciiString.cached("Date");
    public static final AsciiString CONNECTION = AsciiString.cached("Connection");
    private static final AsciiString NOSNIFF_NAME = AsciiString.cached("X-Content-Type-Options");
    private static final AsciiString NOSNIFF = AsciiString.cached("nosniff");
    private final Clock clock;

    /** The Date text of one second (RFC 1123 has no finer resolution): rendered once per second, not per response. */
    private record DateText(long epochSecond, String text) {
    }

    private volatile DateText date = new DateText(Long.MIN_VALUE, "");

    public Responses(Clock clock) {
        this.clock = clock;
    }

    /** A response with a body and content type. */
    public FullHttpResponse of(HttpResponseStatus status, String contentType, byte[] body) {
        FullHttpResponse r = new DefaultFullHttpResponse(HttpVersion.HTTP_1_1, status, Unpooled.wrappedBuffer(body));
        r.headers().set(CONTENT_TYPE, contentType);
        r.headers().setInt(CONTENT_LENGTH, body.length);
        r.headers().set(DATE, date());
        r.headers().set(NOSNIFF_NAME, NOSNIFF);
        return r;
    }

    /**
     * The clock's time as an HTTP Date in RFC 9110's IMF-fixdate form ("Thu, 03 Dec 2026 16:03:55 GMT": a two-digit
     * day, as the RFC asks of senders), written by Netty's {@link DateFormatter}; the JDK's RFC_1123_DATE_TIME, used
     * before, writes a one-digit day on the 1st to the 9th, which strict readers refuse.
     */
    String date() {
        Instant now = clock.instant();
        DateText d = date;
        if (d.epochSecond() != now.getEpochSecond()) {
            d = new DateText(now.getEpochSecond(), DateFormatter.format(new Date(now.getEpochSecond() * 1000)));
            date = d;
        }
        return d.text();
    }

    /** A short plain-text explanation. */
    public FullHttpResponse text(HttpResponseStatus status, String message) {
        return of(status, "text/plain; charset=utf-8", (message + "\n").getBytes(StandardCharsets.UTF_8));
    }

    /** Sends {@code r}; closes the connection afterwards unless both sides want keep-alive and it is not an error. */
    public static void send(ChannelHandlerContext ctx, boolean keepAlive, FullHttpResponse r) {
        boolean keep = keepAlive && r.status().code() < 400;
        if (keep) {
            r.headers().set(CONNECTION, HttpHeaderValues.KEEP_ALIVE);
            ctx.writeAndFlush(r);
        } else {
            HttpUtil.setKeepAlive(r, false);
            ctx.writeAndFlush(r).addListener(ChannelFutureListener.CLOSE);
        }
    }
}
