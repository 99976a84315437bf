package dev.outpost.agent.transport;

/**
 * A whole HTTP response, copied off the connection: the status, the headers the agent acts on ({@code batch} and
 * {@code watermark} are the gateway's {@code Outpost-Batch} and {@code Outpost-Watermark}), and the body.
 */
public record Response(int status, String contentType, String retryAfter, String date, boolean keepAlive, byte[] body,
        String batch, String watermark) {

    /** A response without the gateway's batch headers (EST, or a receiver that is not an Outpost gateway). */
    public Response(int status, String contentType, String retryAfter, String date, boolean keepAlive, byte[] body) {
        this(status, contentType, retryAfter, date, keepAlive, body, null, null);
    }

    /** The body as one bounded, escaped line for a log (see {@link PeerText}). */
    public String bodyText() {
        return PeerText.of(body);
    }
}
