package dev.outpost.gateway.ingest;

import com.google.protobuf.InvalidProtocolBufferException;
import dev.outpost.gateway.ca.AgentIdentity;
import dev.outpost.gateway.ca.PeerIdentity;
import dev.outpost.gateway.http.BoundedAggregator;
import dev.outpost.gateway.http.MemoryBudget;
import dev.outpost.gateway.http.Responses;
import dev.outpost.wire.WireNames;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
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
import io.netty.util.ReferenceCountUtil;
import io.opentelemetry.proto.collector.metrics.v1.ExportMetricsPartialSuccess;
import io.opentelemetry.proto.collector.metrics.v1.ExportMetricsServiceResponse;
import java.io.IOException;
import java.security.cert.X509Certificate;
import java.util.ArrayDeque;
import java.util.Locale;
import java.util.OptionalInt;
import java.util.function.Function;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * OTLP/HTTP metrics ingest ({@code POST /v1/metrics}, protobuf, gzip) on one connection, on its I/O thread. The TLS
 * handshake already required a client certificate from the CA; the identity it names overwrites the payload's.
 * Each request is checked (route, identity, deny list, rate limits, idempotency key), decoded within its bounds,
 * scanned ({@link BatchScan}), stamped and queued on the {@link IngestPipeline}, whose answer becomes the response.
 *
 * <p>Requests of one connection are handled one at a time, in order: pipelined requests wait (at most
 * {@link #MAX_PIPELINED}; beyond that the connection is not read). A keyed batch answered "later" (503 or 429 with
 * {@code Retry-After}: the queue full, the store unavailable, a rate limit) keeps the connection open, and the batches
 * behind it are answered 503 unread until it comes again ({@link #refusedSeq}). Once a request is answered with any
 * other failure, those already read behind it are answered 503 without being processed and the connection is closed.
 * Either way an agent's batches are never stored out of order.
 */
public final class IngestHandler extends ChannelInboundHandlerAdapter {
    private static final Logger LOG = LoggerFactory.getLogger("outpost.gateway.ingest");
    private static final String PROTOBUF = "application/x-protobuf";
    private static final int MAX_BATCH_ID = 128;
    /** Requests read ahead on one connection while one is being stored. */
    static final int MAX_PIPELINED = 64;
    /** A key more than this far ahead of the gateway's clock is refused: sequences start at epoch milliseconds. */
    static final long MAX_SEQ_AHEAD_MILLIS = 7L * 24 * 3600 * 1000;

    private final IngestServices services;
    private final Function<ChannelHandlerContext, AgentIdentity> peer;
    private final MemoryBudget.Held budget;
    private final ArrayDeque<FullHttpRequest> waiting = new ArrayDeque<>();
    private AgentIdentity identity;
    private boolean tooManyConnections;
    private boolean busy;
    private boolean closing;
    /**
     * The sequence of a keyed batch of this connection answered "later" (503 or 429 with Retry-After), or -1. The
     * connection stays open (a reconnection costs a TLS handshake, far more than a refusal, and a fleet refused at
     * once would come back as a storm of them), and until the client sends that batch again (its key's sequence or
     * an older one) or its Retry-After has passed, its later batches are answered 503 unread, so none is stored
     * before it.
     */
    private long refusedSeq = -1;
    private long refusedUntilMillis;
    private boolean closeScheduled;
    private boolean closed;
    private io.netty.channel.ChannelFuture lastWrite;

    /** With the verified identity from the connection's TLS session. */
    public IngestHandler(IngestServices services, MemoryBudget.Held budget) {
        this(services, budget, ctx -> PeerIdentity.of(ctx.pipeline().get(SslHandler.class).engine().getSession()));
    }

    /** With the identity from {@code peer}: for tests that run without TLS. */
    IngestHandler(IngestServices services, MemoryBudget.Held budget, Function<ChannelHandlerContext, AgentIdentity> peer) {
        this.services = services;
        this.budget = budget;
        this.peer = peer;
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        if (!(msg instanceof FullHttpRequest req)) {
            ReferenceCountUtil.release(msg);
            return;
        }
        waiting.add(req);
        if (waiting.size() >= MAX_PIPELINED) {
            ctx.channel().config().setAutoRead(false);
        }
        next(ctx);
    }

    /** Handles waiting requests until one has to wait for the sink. */
    private void next(ChannelHandlerContext ctx) {
        while (!busy && !waiting.isEmpty()) {
            FullHttpRequest req = waiting.poll();
            busy = true;
            if (closing) {
                services.stats().refusedRequest(503);
                finish(ctx, req, unavailable(1, "an earlier request on this connection failed; send this one again"));
            } else if (refusedSeq >= 0 && behindRefused(ctx, req)) {
                services.stats().refusedRequest(503);
                long left = Math.max(1, (refusedUntilMillis - services.clock().millis() + 999) / 1000);
                finish(ctx, req, unavailable(left, "batch " + refusedSeq + " of this connection was refused for "
                        + "now; send it again before the batches after it"));
            } else {
                refusedSeq = -1;
                handle(ctx, req);
            }
        }
        if (!busy && !closing && !closed && waiting.size() < MAX_PIPELINED) {
            ctx.channel().config().setAutoRead(true);
        }
    }

    private void handle(ChannelHandlerContext ctx, FullHttpRequest req) {
        FullHttpResponse refusal;
        try {
            refusal = check(ctx, req);
        } catch (RuntimeException e) {
            LOG.error("ingest request from {} failed", ctx.channel().remoteAddress(), e);
            refusal = error(HttpResponseStatus.INTERNAL_SERVER_ERROR, OtlpStatus.UNAVAILABLE, "internal error");
        }
        if (refusal != null) {
            services.stats().refusedRequest(refusal.status().code());
            finish(ctx, req, refusal);
        }
    }

    /** A refusal, or null once the batch is queued (its answer comes from the pipeline). */
    private FullHttpResponse check(ChannelHandlerContext ctx, FullHttpRequest req) {
        OptionalInt maintenanceRetry = services.maintenance().retryAfter();
        if (maintenanceRetry.isPresent()) {
            return unavailable(maintenanceRetry.getAsInt(), "the gateway is in maintenance; retry later");
        }
        if (BoundedAggregator.overBudget(req)) {
            return unavailable(1, req.decoderResult().cause().getMessage());
        }
        if (BoundedAggregator.tooLarge(req)) {
            return error(HttpResponseStatus.REQUEST_ENTITY_TOO_LARGE, OtlpStatus.RESOURCE_EXHAUSTED,
                    req.decoderResult().cause().getMessage());
        }
        if (!req.decoderResult().isSuccess()) {
            services.refusals().log(ctx, "malformed HTTP request");
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
        AgentIdentity id = identity(ctx);
        if (id == null) {
            services.refusals().log(ctx, "a CA-signed certificate that is not an agent certificate");
            return error(HttpResponseStatus.FORBIDDEN, OtlpStatus.PERMISSION_DENIED,
                    "client certificate does not name an Outpost agent");
        }
        if (tooManyConnections) {
            services.refusals().log(ctx, "agent " + id.agentId() + " holds too many connections");
            return tooMany(1, "agent " + id.agentId() + " holds as many connections as it may; use one");
        }
        var denied = services.gate().refusal(id.agentId());
        if (denied.isPresent()) {
            services.refusals().log(ctx, "agent " + id.agentId() + " is " + denied.get() + " (403)");
            return error(HttpResponseStatus.FORBIDDEN, OtlpStatus.PERMISSION_DENIED,
                    "agent " + id.agentId() + " is " + denied.get());
        }
        String type = req.headers().get(HttpHeaderNames.CONTENT_TYPE, "");
        if (!type.toLowerCase(Locale.ROOT).startsWith(PROTOBUF)) {
            return error(HttpResponseStatus.UNSUPPORTED_MEDIA_TYPE, OtlpStatus.INVALID_ARGUMENT,
                    "Content-Type must be " + PROTOBUF);
        }
        RateLimiter.Decision admitted = services.rateLimiter().admit(id, req.content().readableBytes());
        if (!admitted.allowed()) {
            return limited(id, admitted);
        }
        String batchId = batchId(req.headers().get(WireNames.IDEMPOTENCY_KEY_HEADER));
        BatchKey key = BatchKey.parse(batchId);
        if (key != null && !key.agentId().equals(id.agentId())) {
            services.refusals().log(ctx, "batch key " + batchId + " names another agent than " + id.agentId()
                    + "; stored without dedupe");
            key = null;
        }
        if (key != null && key.seq() > services.clock().millis() + MAX_SEQ_AHEAD_MILLIS) {
            services.refusals().log(ctx, "batch key " + batchId + " is more than 7 days ahead (400)");
            return error(HttpResponseStatus.BAD_REQUEST, OtlpStatus.INVALID_ARGUMENT, "Idempotency-Key sequence "
                    + key.seq() + " is more than 7 days of milliseconds ahead of the gateway's clock; an agent's "
                    + "sequence never is: check the host's clock, or start a new queue");
        }
        byte[] raw;
        BatchScan.Result scan;
        try {
            raw = Gunzip.decode(req.content(), req.headers().get(HttpHeaderNames.CONTENT_ENCODING),
                    services.maxDecodedBytes());
            scan = services.scan().scan(raw);
        } catch (Gunzip.TooLargeException e) {
            services.refusals().log(ctx, "batch " + batchId + " from " + id.agentId() + ": " + e.getMessage());
            return error(HttpResponseStatus.REQUEST_ENTITY_TOO_LARGE, OtlpStatus.RESOURCE_EXHAUSTED, e.getMessage());
        } catch (BatchScan.RefusedException e) {
            services.refusals().log(ctx, "batch " + batchId + " from " + id.agentId() + ": " + e.getMessage());
            return e.tooLarge()
                    ? error(HttpResponseStatus.REQUEST_ENTITY_TOO_LARGE, OtlpStatus.RESOURCE_EXHAUSTED, e.getMessage())
                    : error(HttpResponseStatus.BAD_REQUEST, OtlpStatus.INVALID_ARGUMENT, e.getMessage());
        } catch (IOException | IllegalArgumentException e) {
            services.refusals().log(ctx, "batch " + batchId + " from " + id.agentId() + ": " + e.getMessage());
            return error(HttpResponseStatus.BAD_REQUEST, OtlpStatus.INVALID_ARGUMENT,
                    "body cannot be decoded: " + e.getMessage());
        }
        RateLimiter.Decision points = services.rateLimiter().points(id, scan.points());
        if (!points.allowed()) {
            return limited(id, points);
        }
        StampedBatch stamped;
        try {
            stamped = StampedBatch.accepted(id, key, batchId, raw, scan.duplicateKeys(), scan.points(),
                    scan.newestNanos());
        } catch (InvalidProtocolBufferException e) {
            services.refusals().log(ctx, "batch " + batchId + " from " + id.agentId() + ": not OTLP");
            return error(HttpResponseStatus.BAD_REQUEST, OtlpStatus.INVALID_ARGUMENT,
                    "body is not a protobuf ExportMetricsServiceRequest");
        }
        services.pipeline().submit(stamped, result -> ctx.executor().execute(() -> finish(ctx, req, answer(result))));
        return null;
    }

    private FullHttpResponse answer(IngestPipeline.Result r) {
        if (r.status() == IngestPipeline.Status.UNAVAILABLE) {
            return unavailable(r.retryAfterSeconds(), r.message());
        }
        ExportMetricsServiceResponse.Builder body = ExportMetricsServiceResponse.newBuilder();
        if (r.refusedPoints() > 0) {
            body.setPartialSuccess(ExportMetricsPartialSuccess.newBuilder().setRejectedDataPoints(r.refusedPoints())
                    .setErrorMessage("the metric store refused " + r.refusedPoints() + " data points: " + r.refusal()));
        }
        FullHttpResponse resp = services.responses().of(HttpResponseStatus.OK, PROTOBUF, body.build().toByteArray());
        if (r.watermark() >= 0) {
            resp.headers().set(WireNames.BATCH_RESULT_HEADER,
                    r.status() == IngestPipeline.Status.STORED ? "stored" : "duplicate");
            resp.headers().set(WireNames.WATERMARK_HEADER, Long.toString(r.watermark()));
        }
        return resp;
    }

    /**
     * Sends the answer to {@code req} and goes on with the next. A keyed batch answered "later" keeps the connection
     * open ({@link #refusedSeq}); any other failure starts closing.
     */
    private void finish(ChannelHandlerContext ctx, FullHttpRequest req, FullHttpResponse r) {
        boolean keepAlive = HttpUtil.isKeepAlive(req);
        BatchKey key = ownKey(ctx, req);
        ReferenceCountUtil.release(req);
        if (budget != null) {
            budget.releaseOldest();
        }
        busy = false;
        if (closed) {
            ReferenceCountUtil.release(r);
            return;
        }
        boolean later = keepAlive && !closing && key != null && r.headers().contains(HttpHeaderNames.RETRY_AFTER)
                && (r.status().code() == 503 || r.status().code() == 429);
        if (later) {
            refusedSeq = refusedSeq < 0 ? key.seq() : Math.min(refusedSeq, key.seq());
            refusedUntilMillis = Math.max(refusedUntilMillis, services.clock().millis()
                    + 1000 * r.headers().getInt(HttpHeaderNames.RETRY_AFTER, 1));
        }
        boolean keep = keepAlive && !closing && (later || r.status().codeClass() == HttpStatusClass.SUCCESS);
        if (keep) {
            r.headers().set(Responses.CONNECTION, HttpHeaderValues.KEEP_ALIVE);
        } else {
            HttpUtil.setKeepAlive(r, false);
            if (!closing) {
                closing = true;
                ctx.channel().config().setAutoRead(false);
            }
        }
        lastWrite = ctx.writeAndFlush(r);
        next(ctx);
        if (closing && !closeScheduled) {
            // Queued behind what this read delivered, so that requests read with this one are answered first.
            ctx.executor().execute(() -> closeWhenAnswered());
        }
    }

    private void closeWhenAnswered() {
        if (closing && !busy && waiting.isEmpty() && !closeScheduled) {
            closeScheduled = true;
            lastWrite.addListener(ChannelFutureListener.CLOSE);
        }
    }

    /** The request's idempotency key if it names this connection's agent, else null. */
    private BatchKey ownKey(ChannelHandlerContext ctx, FullHttpRequest req) {
        BatchKey key = BatchKey.parse(batchId(req.headers().get(WireNames.IDEMPOTENCY_KEY_HEADER)));
        AgentIdentity id = key == null ? null : identity(ctx);
        return id != null && key.agentId().equals(id.agentId()) ? key : null;
    }

    /** Whether {@code req} comes after the batch refused for now: not that batch again, and its wait not over. */
    private boolean behindRefused(ChannelHandlerContext ctx, FullHttpRequest req) {
        if (services.clock().millis() >= refusedUntilMillis) {
            return false;
        }
        BatchKey key = ownKey(ctx, req);
        return key == null || key.seq() > refusedSeq;
    }

    private AgentIdentity identity(ChannelHandlerContext ctx) {
        if (identity == null) {
            identity = peer.apply(ctx);
        }
        return identity;
    }

    private FullHttpResponse limited(AgentIdentity id, RateLimiter.Decision d) {
        services.stats().limited(id.org());
        long suppressed = services.logLimiter().allow("limit " + id.org());
        if (suppressed >= 0) {
            LOG.warn("ingest: org {} is over its rate limit ({} of agent {} ran out); answered 429 with Retry-After {}"
                    + "{}", id.org(), d.exhausted(), id.agentId(), d.retryAfterSeconds(),
                    suppressed > 0 ? "; " + suppressed + " more such answers to this org in the last minute" : "");
        }
        return tooMany(d.retryAfterSeconds(), "rate limit: " + d.exhausted() + " exhausted; retry in "
                + d.retryAfterSeconds() + " s");
    }

    private static String batchId(String header) {
        if (header == null || header.isEmpty() || header.length() > MAX_BATCH_ID
                || !header.chars().allMatch(c -> c > 0x20 && c < 0x7f)) {
            return "";
        }
        return header;
    }

    private FullHttpResponse error(HttpResponseStatus status, int grpcCode, String message) {
        return services.responses().of(status, PROTOBUF, OtlpStatus.encode(grpcCode, message));
    }

    private FullHttpResponse unavailable(long retryAfterSeconds, String message) {
        FullHttpResponse r = error(HttpResponseStatus.SERVICE_UNAVAILABLE, OtlpStatus.UNAVAILABLE, message);
        r.headers().set(HttpHeaderNames.RETRY_AFTER, Long.toString(Math.max(1, retryAfterSeconds)));
        return r;
    }

    private FullHttpResponse tooMany(long retryAfterSeconds, String message) {
        FullHttpResponse r = error(HttpResponseStatus.TOO_MANY_REQUESTS, OtlpStatus.RESOURCE_EXHAUSTED, message);
        r.headers().set(HttpHeaderNames.RETRY_AFTER, Long.toString(Math.max(1, retryAfterSeconds)));
        return r;
    }

    /** Once the handshake has verified the client certificate, the connection is followed until it closes. */
    @Override
    public void userEventTriggered(ChannelHandlerContext ctx, Object evt) throws Exception {
        if (evt instanceof SslHandshakeCompletionEvent e && e.isSuccess()) {
            SslHandler ssl = ctx.pipeline().get(SslHandler.class);
            AgentIdentity id = ssl == null ? null : PeerIdentity.of(ssl.engine().getSession());
            if (id != null && ssl.engine().getSession().getPeerCertificates()[0] instanceof X509Certificate cert) {
                identity = id;
                tooManyConnections = !services.connections().track(ctx.channel(), id.agentId(),
                        cert.getNotAfter().toInstant());
            }
        }
        super.userEventTriggered(ctx, evt);
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) throws Exception {
        closed = true;
        for (FullHttpRequest req = waiting.poll(); req != null; req = waiting.poll()) {
            ReferenceCountUtil.release(req);
        }
        if (budget != null) {
            budget.releaseAll();
        }
        super.channelInactive(ctx);
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        LOG.debug("ingest: connection {} failed: {}", ctx.channel().remoteAddress(), cause.toString());
        ctx.close();
    }
}
