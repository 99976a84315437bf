package dev.outpost.gateway.ingest;

import com.google.protobuf.InvalidProtocolBufferException;
import dev.outpost.gateway.ca.AgentIdentity;
import dev.outpost.gateway.ca.PeerIdentity;
import dev.outpost.gateway.http.BoundedAggregator;
import dev.outpost.gateway.http.Responses;
import dev.outpost.wire.WireNames;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpStatusClass;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.ssl.SslHandler;
import io.netty.handler.ssl.SslHandshakeCompletionEvent;
import io.opentelemetry.proto.collector.metrics.v1.ExportMetricsServiceRequest;
import io.opentelemetry.proto.collector.metrics.v1.ExportMetricsServiceResponse;
import java.io.IOException;
import java.security.cert.X509Certificate;
import java.util.Locale;
import java.util.Objects;
import java.util.OptionalInt;
import java.util.function.Function;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * OTLP/HTTP metrics ingest ({@code POST /v1/metrics}, protobuf, gzip). The TLS handshake already required a
 * client certificate from the CA; the identity it names overwrites the payload's, and the batch goes to the
 * {@link BatchCommitter}. One handler per connection, requests handled in order: once a request is answered with
 * anything but 2xx, the requests already read behind it are answered 503 without being processed and the
 * connection is closed, so an agent's pipelined batches are never stored out of order.
 */
public final class IngestHandler extends SimpleChannelInboundHandler<FullHttpRequest> {
    private static final Logger LOG = LoggerFactory.getLogger("outpost.gateway.ingest");
    private static final String PROTOBUF = "application/x-protobuf";
    private static final int MAX_BATCH_ID = 128;
    private final BatchCommitter committer;
    private final Maintenance maintenance;
    private final Responses responses;
    private final int maxDecodedBytes;
    private final Function<ChannelHandlerContext, AgentIdentity> peer;
    private final AgentGate gate;
    private final IngestConnections connections;
    private boolean closing;
    private ChannelFuture lastWrite;

    /**
     * Refusing agents that {@code gate} denies (403) and registering each verified connection in
     * {@code connections}, which closes it when its agent is revoked or its certificate expires.
     */
    public IngestHandler(BatchCommitter committer, Maintenance maintenance, Responses responses, int maxDecodedBytes,
            AgentGate gate, IngestConnections connections) {
        this(committer, maintenance, responses, maxDecodedBytes,
                ctx -> PeerIdentity.of(ctx.pipeline().get(SslHandler.class).engine().getSession()), gate, connections);
    }

    /** With the verified peer identity taken from {@code peer}: for tests that run without TLS. */
    IngestHandler(BatchCommitter committer, Maintenance maintenance, Responses responses, int maxDecodedBytes,
            Function<ChannelHandlerContext, AgentIdentity> peer) {
        this(committer, maintenance, responses, maxDecodedBytes, peer, AgentGate.OPEN,
                new IngestConnections(AgentGate.OPEN, java.time.Clock.systemUTC()));
    }

    /** With the peer identity from {@code peer} and a deny list: for tests that run without TLS. */
    IngestHandler(BatchCommitter committer, Maintenance maintenance, Responses responses, int maxDecodedBytes,
            Function<ChannelHandlerContext, AgentIdentity> peer, AgentGate gate, IngestConnections connections) {
        this.gate = Objects.requireNonNull(gate, "gate");
        this.connections = Objects.requireNonNull(connections, "connections");
        this.committer = Objects.requireNonNull(committer, "committer");
        this.maintenance = Objects.requireNonNull(maintenance, "maintenance");
        this.responses = Objects.requireNonNull(responses, "responses");
        if (maxDecodedBytes < 1) {
            throw new IllegalArgumentException("maxDecodedBytes " + maxDecodedBytes + " must be positive");
        }
        this.maxDecodedBytes = maxDecodedBytes;
        this.peer = Objects.requireNonNull(peer, "peer");
    }

    @Override
    protected void channelRead0(ChannelHandlerContext ctx, FullHttpRequest req) {
        if (closing) {
            LOG.debug("ingest: request from {} behind a failed one refused unprocessed", ctx.channel().remoteAddress());
            respond(ctx, false, unavailable(1, "an earlier request on this connection failed; send this one again"));
            return;
        }
        boolean keepAlive = HttpUtil.isKeepAlive(req);
        FullHttpResponse r;
        try {
            r = handle(ctx, req);
        } catch (RuntimeException e) {
            LOG.error("ingest request from {} failed", ctx.channel().remoteAddress(), e);
            r = error(HttpResponseStatus.INTERNAL_SERVER_ERROR, OtlpStatus.UNAVAILABLE, "internal error");
        }
        respond(ctx, keepAlive, r);
    }

    /**
     * Sends {@code r}. The first response that is not 2xx (or not keep-alive) stops reading; the close is queued
     * on this handler's executor behind the requests already read, which are answered first.
     */
    private void respond(ChannelHandlerContext ctx, boolean keepAlive, FullHttpResponse r) {
        boolean keep = keepAlive && !closing && r.status().codeClass() == HttpStatusClass.SUCCESS;
        if (keep) {
            r.headers().set(HttpHeaderNames.CONNECTION, HttpHeaderValues.KEEP_ALIVE);
        } else {
            HttpUtil.setKeepAlive(r, false);
        }
        lastWrite = ctx.writeAndFlush(r);
        if (!keep && !closing) {
            closing = true;
            ctx.channel().config().setAutoRead(false);
            ctx.executor().execute(() -> lastWrite.addListener(ChannelFutureListener.CLOSE));
        }
    }

    private FullHttpResponse handle(ChannelHandlerContext ctx, FullHttpRequest req) {
        OptionalInt maintenanceRetry = maintenance.retryAfter();
        if (maintenanceRetry.isPresent()) {
            return unavailable(maintenanceRetry.getAsInt(), "the gateway is in maintenance; retry later");
        }
        if (BoundedAggregator.tooLarge(req)) {
            return error(HttpResponseStatus.REQUEST_ENTITY_TOO_LARGE, OtlpStatus.RESOURCE_EXHAUSTED,
                    req.decoderResult().cause().getMessage());
        }
        if (!req.decoderResult().isSuccess()) {
            LOG.warn("ingest: malformed HTTP request from {}", ctx.channel().remoteAddress());
            return error(HttpResponseStatus.BAD_REQUEST, OtlpStatus.INVALID_ARGUMENT, "malformed HTTP request");
        }
        if (!req.uri().split("\\?", 2)[0].equals(WireNames.OTLP_METRICS_PATH)) {
            return error(HttpResponseStatus.NOT_FOUND, OtlpStatus.NOT_FOUND, "only " + WireNames.OTLP_METRICS_PATH
                    + " is served here");
        }
        if (!HttpMethod.POST.equals(req.method())) {
            FullHttpResponse r = error(HttpResponseStatus.METHOD_NOT_ALLOWED, OtlpStatus.UNIMPLEMENTED, "use POST");
            r.headers().set(HttpHeaderNames.ALLOW, "POST");
            return r;
        }
        AgentIdentity id = peer.apply(ctx);
        if (id == null) {
            LOG.warn("ingest: {} presented a CA-signed certificate that is not an agent certificate",
                    ctx.channel().remoteAddress());
            return error(HttpResponseStatus.FORBIDDEN, OtlpStatus.PERMISSION_DENIED,
                    "client certificate does not name an Outpost agent");
        }
        var refusal = gate.refusal(id.agentId());
        if (refusal.isPresent()) {
            LOG.warn("ingest: request from {} refused (403): agent {} is {}", ctx.channel().remoteAddress(),
                    id.agentId(), refusal.get());
            return error(HttpResponseStatus.FORBIDDEN, OtlpStatus.PERMISSION_DENIED,
                    "agent " + id.agentId() + " is " + refusal.get());
        }
        String type = req.headers().get(HttpHeaderNames.CONTENT_TYPE, "");
        if (!type.toLowerCase(Locale.ROOT).startsWith(PROTOBUF)) {
            return error(HttpResponseStatus.UNSUPPORTED_MEDIA_TYPE, OtlpStatus.INVALID_ARGUMENT,
                    "Content-Type must be " + PROTOBUF);
        }
        String batchId = batchId(req.headers().get(WireNames.IDEMPOTENCY_KEY_HEADER));
        ExportMetricsServiceRequest batch;
        try {
            byte[] raw = Gunzip.decode(req.content(), req.headers().get(HttpHeaderNames.CONTENT_ENCODING),
                    maxDecodedBytes);
            batch = ExportMetricsServiceRequest.parseFrom(raw);
        } catch (Gunzip.TooLargeException e) {
            LOG.warn("ingest: batch {} from {} refused (413): {}", batchId, id.agentId(), e.getMessage());
            return error(HttpResponseStatus.REQUEST_ENTITY_TOO_LARGE, OtlpStatus.RESOURCE_EXHAUSTED, e.getMessage());
        } catch (InvalidProtocolBufferException e) {
            LOG.warn("ingest: batch {} from {} refused (400): not an OTLP ExportMetricsServiceRequest: {}", batchId,
                    id.agentId(), e.getMessage());
            return error(HttpResponseStatus.BAD_REQUEST, OtlpStatus.INVALID_ARGUMENT,
                    "body is not a protobuf ExportMetricsServiceRequest");
        } catch (IOException | IllegalArgumentException e) {
            LOG.warn("ingest: batch {} from {} refused (400): {}", batchId, id.agentId(), e.getMessage());
            return error(HttpResponseStatus.BAD_REQUEST, OtlpStatus.INVALID_ARGUMENT,
                    "body cannot be decoded: " + e.getMessage());
        }
        try {
            BatchCommitter.Outcome o = committer.store(id, batchId, IdentityStamp.apply(batch, id));
            if (!o.duplicate()) {
                LOG.debug("ingest: stored batch {} from {} ({} data points)", batchId, id.agentId(), o.points());
            }
        } catch (IOException e) {
            LOG.error("ingest: storing batch {} from {} failed", batchId, id.agentId(), e);
            return unavailable(5, "storage is unavailable; retry later");
        }
        return responses.of(HttpResponseStatus.OK, PROTOBUF,
                ExportMetricsServiceResponse.getDefaultInstance().toByteArray());
    }

    private static String batchId(String header) {
        if (header == null || header.isEmpty() || header.length() > MAX_BATCH_ID
                || !header.chars().allMatch(c -> c > 0x20 && c < 0x7f)) {
            return "";
        }
        return header;
    }

    private FullHttpResponse error(HttpResponseStatus status, int grpcCode, String message) {
        return responses.of(status, PROTOBUF, OtlpStatus.encode(grpcCode, message));
    }

    private FullHttpResponse unavailable(int retryAfterSeconds, String message) {
        FullHttpResponse r = error(HttpResponseStatus.SERVICE_UNAVAILABLE, OtlpStatus.UNAVAILABLE, message);
        r.headers().setInt(HttpHeaderNames.RETRY_AFTER, retryAfterSeconds);
        return r;
    }

    /** Once the handshake has verified the client certificate, the connection is followed until it closes. */
    @Override
    public void userEventTriggered(ChannelHandlerContext ctx, Object evt) throws Exception {
        if (evt instanceof SslHandshakeCompletionEvent e && e.isSuccess()) {
            SslHandler ssl = ctx.pipeline().get(SslHandler.class);
            AgentIdentity id = ssl == null ? null : PeerIdentity.of(ssl.engine().getSession());
            if (id != null && ssl.engine().getSession().getPeerCertificates()[0] instanceof X509Certificate cert) {
                connections.track(ctx.channel(), id.agentId(), cert.getNotAfter().toInstant());
            }
        }
        super.userEventTriggered(ctx, evt);
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        LOG.warn("ingest: connection {} failed: {}", ctx.channel().remoteAddress(), cause.toString());
        ctx.close();
    }
}
