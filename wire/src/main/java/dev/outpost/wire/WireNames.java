package dev.outpost.wire;

/** Names both ends of the wire must spell the same way: paths, headers, attributes, credential files. */
public final class WireNames {
    /** EST base path (RFC 7030 section 3.2.2). */
    public static final String EST_BASE = "/.well-known/est/";
    public static final String EST_CACERTS = "cacerts";
    public static final String EST_SIMPLE_ENROLL = "simpleenroll";
    public static final String EST_SIMPLE_REENROLL = "simplereenroll";
    /** OTLP/HTTP metrics path. */
    public static final String OTLP_METRICS_PATH = "/v1/metrics";
    /** Default ports. */
    public static final int EST_PORT = 8443;
    public static final int INGEST_PORT = 4318;
    /** Names the batch so that a retried batch is stored once. Value: {@code <agent-id>:<sequence>}. */
    public static final String IDEMPOTENCY_KEY_HEADER = "Idempotency-Key";
    /**
     * On a 200 for a keyed batch, what the gateway did with it: {@code stored} or {@code duplicate} (stored before,
     * not stored again).
     */
    public static final String BATCH_RESULT_HEADER = "Outpost-Batch";
    /** On a 200 for a keyed batch, the agent's highest stored sequence right after this batch. */
    public static final String WATERMARK_HEADER = "Outpost-Watermark";
    /** Resource attributes the gateway sets from the verified client certificate, overwriting the payload. */
    public static final String ATTR_ORG = "outpost.org.id";
    public static final String ATTR_AGENT = "outpost.agent.id";
    /** Token text: {@code opt_<id>_<secret>}. */
    public static final String TOKEN_PREFIX = "opt_";

    private WireNames() {
    }
}
