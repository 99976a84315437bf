package dev.outpost.agent.transport;

import com.google.protobuf.CodedInputStream;
import dev.outpost.wire.WireNames;
import io.netty.buffer.Unpooled;
import io.netty.handler.codec.http.DefaultFullHttpRequest;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpVersion;
import java.io.IOException;
import java.nio.charset.StandardCharsets;

/**
 * Sends one gzip'd OTLP batch to the ingest URL and classifies the outcome per the OTLP/HTTP spec. The reason a
 * gateway gives (a {@code google.rpc.Status} message) is kept for the log.
 */
public final class OtlpPusher {
    private final HttpsClient http;
    private final String path;
    private volatile String lastReason = "";
    private volatile String lastRetryAfter;
    private volatile String lastDate;

    public OtlpPusher(HttpsClient http) {
        this.http = http;
        String p = http.base().getRawPath();
        this.path = p == null || p.isEmpty() ? WireNames.OTLP_METRICS_PATH : p;
    }

    public PushResult push(byte[] gzippedBatch, String idempotencyKey) {
        FullHttpRequest req = new DefaultFullHttpRequest(HttpVersion.HTTP_1_1, HttpMethod.POST, path,
                Unpooled.wrappedBuffer(gzippedBatch));
        req.headers().set(HttpHeaderNames.CONTENT_TYPE, "application/x-protobuf");
        req.headers().set(HttpHeaderNames.CONTENT_ENCODING, "gzip");
        req.headers().set(WireNames.IDEMPOTENCY_KEY_HEADER, idempotencyKey);
        lastRetryAfter = null;
        Response r;
        try {
            r = http.exchange(req);
        } catch (IOException e) {
            lastReason = e.getMessage();
            return PushResult.RETRY;
        }
        lastDate = r.date();
        lastRetryAfter = r.retryAfter();
        lastReason = "HTTP " + r.status() + (r.status() == 200 ? "" : ": " + statusMessage(r));
        return classify(r.status());
    }

    /** The OTLP/HTTP retry rules: 2xx stored; 401/403 identity refused; 408, 429, 502-504 retry; other 4xx never. */
    static PushResult classify(int status) {
        if (status >= 200 && status < 300) {
            return PushResult.ACCEPTED;
        }
        if (status == 401 || status == 403) {
            return PushResult.DENIED;
        }
        if (status == 408 || status == 429 || status == 502 || status == 503 || status == 504) {
            return PushResult.RETRY;
        }
        if (status >= 400 && status < 500) {
            return PushResult.REJECTED;
        }
        return PushResult.RETRY;
    }

    /** Why the last push was not accepted, in the gateway's words where it gave any. */
    public String lastReason() {
        return lastReason;
    }

    public String lastRetryAfter() {
        return lastRetryAfter;
    }

    /** The gateway's {@code Date} header of the last response (for clock skew checks). */
    public String lastDate() {
        return lastDate;
    }

    /** The message of a protobuf {@code google.rpc.Status} body, or the body as text if it is not one. */
    static String statusMessage(Response r) {
        if (r.contentType().startsWith("application/x-protobuf")) {
            try {
                CodedInputStream in = CodedInputStream.newInstance(r.body());
                for (int tag = in.readTag(); tag != 0; tag = in.readTag()) {
                    if (tag == ((2 << 3) | 2)) {
                        return in.readString();
                    }
                    in.skipField(tag);
                }
            } catch (IOException e) {
                // not a Status message; fall through
            }
            return "(no reason given)";
        }
        return r.bodyText().isEmpty() ? "(no reason given)" : new String(r.body(), StandardCharsets.UTF_8).strip();
    }
}
