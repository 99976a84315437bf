package dev.outpost.agent.transport;

import io.netty.buffer.ByteBufUtil;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpUtil;
import java.nio.charset.StandardCharsets;

/** A whole HTTP response, copied off the connection. */
public record Response(int status, String contentType, String retryAfter, String date, boolean keepAlive, byte[] body) {
    static Response of(FullHttpResponse r) {
        return new Response(r.status().code(), r.headers().get(HttpHeaderNames.CONTENT_TYPE, ""),
                r.headers().get(HttpHeaderNames.RETRY_AFTER), r.headers().get(HttpHeaderNames.DATE),
                HttpUtil.isKeepAlive(r), ByteBufUtil.getBytes(r.content()));
    }

    /** The body as text, shortened and stripped of control characters, for a log line. */
    public String bodyText() {
        String s = new String(body, StandardCharsets.UTF_8).strip().replaceAll("[\\p{Cntrl}&&[^\\n]]", "?");
        return s.length() > 300 ? s.substring(0, 300) + "…" : s;
    }
}
