package dev.outpost.agent.transport;

import com.google.protobuf.CodedInputStream;
import dev.outpost.wire.WireNames;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;

/**
 * Sends gzip'd OTLP batches to the ingest URL, several pipelined on one connection, and classifies each outcome
 * per the OTLP/HTTP spec. The reason a gateway gives (a {@code google.rpc.Status} message) is kept for the log.
 */
public final class OtlpPusher implements Pusher {
    private final HttpsClient http;
    private final String path;

    public OtlpPusher(HttpsClient http) {
        this.http = http;
        String p = http.base().getRawPath();
        this.path = p == null || p.isEmpty() ? WireNames.OTLP_METRICS_PATH : p;
    }

    /** One batch to send: its gzip'd body and its idempotency key. */
    public record Batch(byte[] gzipped, String idempotencyKey) {
    }

    /**
     * What became of one batch: the result, the gateway's reason, its {@code Retry-After} and {@code Date}, the HTTP
     * status (0 when no answer came: the batch may or may not have been stored), and the gateway's
     * {@code Outpost-Batch} and {@code Outpost-Watermark} (null when absent).
     */
    public record Outcome(PushResult result, String reason, String retryAfter, String date, int status, String batch,
            String watermark) {
    }

    @Override
    public List<Outcome> push(List<Batch> batches) {
        List<Request> requests = new ArrayList<>(batches.size());
        for (Batch b : batches) {
            requests.add(Request.post(path, b.gzipped()).header("Content-Type", "application/x-protobuf")
                    .header("Content-Encoding", "gzip").header(WireNames.IDEMPOTENCY_KEY_HEADER, b.idempotencyKey()));
        }
        HttpsClient.Pipelined p = http.exchangeAll(requests);
        List<Outcome> out = new ArrayList<>(batches.size());
        for (Response r : p.responses()) {
            out.add(new Outcome(classify(r.status()), "HTTP " + r.status()
                    + (r.status() / 100 == 2 ? "" : ": " + statusMessage(r)), r.retryAfter(), r.date(), r.status(),
                    r.batch(), r.watermark()));
        }
        while (out.size() < batches.size()) {
            String why = p.failure() == null ? "no response" : p.failure().getMessage();
            out.add(new Outcome(PushResult.RETRY, why, null, null, 0, null, null));
        }
        return out;
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

    /** The message of a protobuf {@code google.rpc.Status} body, or the body as text if it is not one. */
    static String statusMessage(Response r) {
        if (r.contentType().startsWith("application/x-protobuf")) {
            try {
                CodedInputStream in = CodedInputStream.newInstance(r.body());
                for (int tag = in.readTag(); tag != 0; tag = in.readTag()) {
                    if (tag == ((2 << 3) | 2)) {
                        return PeerText.of(in.readString());
                    }
                    in.skipField(tag);
                }
            } catch (IOException e) {
                // not a Status message; fall through
            }
            return "(no reason given)";
        }
        return r.body().length == 0 ? "(no reason given)" : r.bodyText();
    }

    /** Closes the connection, so the next push opens a new one. */
    @Override
    public void disconnect() {
        http.disconnect();
    }
}
