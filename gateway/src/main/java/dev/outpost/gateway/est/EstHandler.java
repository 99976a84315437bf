package dev.outpost.gateway.est;

import dev.outpost.gateway.ca.AgentIdentity;
import dev.outpost.gateway.ca.CsrCheck;
import dev.outpost.gateway.ca.PeerIdentity;
import dev.outpost.gateway.http.BoundedAggregator;
import dev.outpost.gateway.http.Responses;
import dev.outpost.gateway.ingest.IngestStats;
import dev.outpost.gateway.ingest.LogLimiter;
import dev.outpost.gateway.ingest.RateLimiter;
import dev.outpost.gateway.store.Enrollments;
import dev.outpost.gateway.store.Issued;
import dev.outpost.wire.EnrollmentToken;
import dev.outpost.wire.WireNames;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.ssl.SslHandler;
import java.security.cert.X509Certificate;
import java.util.List;
import java.util.function.Function;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The EST endpoints (RFC 7030): {@code GET cacerts}, {@code GET csrattrs}, {@code POST simpleenroll} authenticated by
 * an enrollment token as HTTP Basic credentials (user: the token id, with or without its {@code opt_} prefix;
 * password: its secret) and {@code POST simplereenroll} (see {@link Reenroll}). An optional CA label segment is
 * accepted. Errors are short plain text.
 */
public final class EstHandler extends SimpleChannelInboundHandler<FullHttpRequest> {
    private static final Logger LOG = LoggerFactory.getLogger("outpost.gateway.est");
    private static final Pattern PATH = Pattern.compile(
            Pattern.quote(WireNames.EST_BASE) + "(?:[A-Za-z0-9_-]{1,64}/)?([a-z]+)");
    /** RFC 7030 section 4.5: the CSR attributes a client should use. */
    static final String CSRATTRS = "csrattrs";
    private static final String CHALLENGE = "Basic realm=\"outpost-est\", charset=\"UTF-8\"";
    private final Issuance issuance;
    private final Enrollments enrollments;
    private final Responses responses;
    private final FailedAuthLimiter limiter;
    private final Reenroll reenroll;
    private final Function<ChannelHandlerContext, X509Certificate> peer;
    private final Limits limits;

    /**
     * The EST listener's rate limits, the counters {@code watch} shows (429s by org; by address as "est 429") and
     * the limiter of their log lines, all shared by every EST connection.
     */
    public record Limits(EstRateLimiter rates, IngestStats stats, LogLimiter log) {
        public Limits {
            java.util.Objects.requireNonNull(rates, "rates");
            java.util.Objects.requireNonNull(stats, "stats");
            java.util.Objects.requireNonNull(log, "log");
        }
    }

    /** Thrown from inside an enrollment's transaction (rolling it back) when the token's org is over its rate. */
    private static final class OrgLimited extends RuntimeException {
        private static final long serialVersionUID = 1L;
        final transient RateLimiter.Decision decision;
        final String org;

        OrgLimited(RateLimiter.Decision decision, String org) {
            super(decision.exhausted(), null, false, false);
            this.decision = decision;
            this.org = org;
        }
    }

    /**
     * @param limiter shared by every EST connection: failed authentications per token id and source address
     */
    public EstHandler(Issuance issuance, Enrollments enrollments, Responses responses, FailedAuthLimiter limiter,
            Reenroll reenroll, Limits limits) {
        this(issuance, enrollments, responses, limiter, reenroll, limits,
                ctx -> PeerIdentity.certificate(ctx.pipeline().get(SslHandler.class).engine().getSession()));
    }

    /** With the client certificate taken from {@code peer}: for tests that run without TLS. */
    EstHandler(Issuance issuance, Enrollments enrollments, Responses responses, FailedAuthLimiter limiter,
            Reenroll reenroll, Limits limits, Function<ChannelHandlerContext, X509Certificate> peer) {
        this.issuance = java.util.Objects.requireNonNull(issuance, "issuance");
        this.enrollments = java.util.Objects.requireNonNull(enrollments, "enrollments");
        this.responses = java.util.Objects.requireNonNull(responses, "responses");
        this.limiter = java.util.Objects.requireNonNull(limiter, "limiter");
        this.reenroll = java.util.Objects.requireNonNull(reenroll, "reenroll");
        this.peer = java.util.Objects.requireNonNull(peer, "peer");
        this.limits = java.util.Objects.requireNonNull(limits, "limits");
    }

    @Override
    protected void channelRead0(ChannelHandlerContext ctx, FullHttpRequest req) {
        boolean keepAlive = HttpUtil.isKeepAlive(req);
        FullHttpResponse r;
        try {
            r = route(ctx, req);
        } catch (RuntimeException e) {
            LOG.error("EST request {} {} from {} failed", req.method(), req.uri(), ctx.channel().remoteAddress(), e);
            r = responses.text(HttpResponseStatus.INTERNAL_SERVER_ERROR, "internal error; see the gateway log");
        }
        Responses.send(ctx, keepAlive, r);
    }

    private FullHttpResponse route(ChannelHandlerContext ctx, FullHttpRequest req) {
        RateLimiter.Decision admitted = limits.rates().request(source(ctx));
        if (!admitted.allowed()) {
            limits.stats().refusedRequest("est 429");
            return limited("address " + source(ctx), "address " + source(ctx), admitted);
        }
        if (BoundedAggregator.tooLarge(req)) {
            return responses.text(HttpResponseStatus.REQUEST_ENTITY_TOO_LARGE, req.decoderResult().cause().getMessage());
        }
        if (!req.decoderResult().isSuccess()) {
            LOG.warn("EST: malformed HTTP request from {}", ctx.channel().remoteAddress());
            return responses.text(HttpResponseStatus.BAD_REQUEST, "malformed HTTP request");
        }
        String path = req.uri().split("\\?", 2)[0];
        Matcher m = PATH.matcher(path);
        if (!m.matches()) {
            return responses.text(HttpResponseStatus.NOT_FOUND, "no such EST resource: " + CsrBody.printable(path));
        }
        String op = m.group(1);
        switch (op) {
            case WireNames.EST_CACERTS:
                if (!HttpMethod.GET.equals(req.method())) {
                    return methodNotAllowed("GET");
                }
                return certs(responses, HttpResponseStatus.OK, issuance.cacertsBody());
            case CSRATTRS:
                if (!HttpMethod.GET.equals(req.method())) {
                    return methodNotAllowed("GET");
                }
                FullHttpResponse attrs = responses.of(HttpResponseStatus.OK, CsrAttributes.MEDIA_TYPE,
                        CsrAttributes.base64(issuance.keyTypes()));
                attrs.headers().set(HttpHeaderNames.CONTENT_TRANSFER_ENCODING, "base64");
                return attrs;
            case WireNames.EST_SIMPLE_ENROLL:
                if (!HttpMethod.POST.equals(req.method())) {
                    return methodNotAllowed("POST");
                }
                return enroll(ctx, req);
            case WireNames.EST_SIMPLE_REENROLL:
                if (!HttpMethod.POST.equals(req.method())) {
                    return methodNotAllowed("POST");
                }
                return renew(ctx, req);
            default:
                return responses.text(HttpResponseStatus.NOT_FOUND, "no such EST operation: " + CsrBody.printable(op));
        }
    }

    private FullHttpResponse enroll(ChannelHandlerContext ctx, FullHttpRequest req) {
        String[] credentials = BasicAuth.parse(req.headers().get(HttpHeaderNames.AUTHORIZATION));
        if (credentials == null) {
            // The challenge of RFC 7030 section 3.2.3, without a body: Bouncy Castle's EST client fails on a challenge
            // whose body it has not read ("Stream closed before limit fully read").
            return challenge(responses.of(HttpResponseStatus.UNAUTHORIZED, "text/plain; charset=utf-8", new byte[0]));
        }
        String user = credentials[0];
        String tokenId = user.startsWith(WireNames.TOKEN_PREFIX) ? user.substring(WireNames.TOKEN_PREFIX.length()) : user;
        String logId = EnrollmentToken.isId(tokenId) ? "opt_" + tokenId + "_…" : "(malformed token id)";
        String limitedId = EnrollmentToken.isId(tokenId) ? tokenId : null;
        String source = source(ctx);
        long wait = limiter.retryAfterSeconds(limitedId, source);
        if (wait > 0) {
            LOG.warn("EST enroll from {} with {}: refused (429): too many failed attempts", source, logId);
            FullHttpResponse r = responses.text(HttpResponseStatus.TOO_MANY_REQUESTS, "too many failed enrollment "
                    + "attempts with this token or from this address; retry in " + wait + " s");
            r.headers().set(HttpHeaderNames.RETRY_AFTER, Long.toString(wait));
            return r;
        }
        String what = "EST enroll from " + source + " with " + logId;
        CsrBody.Parsed parsed = CsrBody.read(req, issuance.keyTypes(), responses, LOG, what);
        if (parsed.refusal() != null) {
            return parsed.refusal();
        }
        CsrCheck.Accepted csr = parsed.csr();
        try {
            Issued issued = enrollments.enroll(tokenId, credentials[1], csr.requestedName(), source, csr.publicKey(),
                    id -> {
                        RateLimiter.Decision d = limits.rates().enrollment(id.org());
                        if (!d.allowed()) {
                            throw new OrgLimited(d, id.org());
                        }
                        return issuance.issueAgent(csr.publicKey(), id);
                    });
            X509Certificate cert = issued.certificate();
            AgentIdentity agent = PeerIdentity.of(cert);
            LOG.info("{}: {} {} (org {}, host {}) serial {} valid until {}", what,
                    issued.retried() ? "the same request again: answered with the certificate issued earlier to"
                            : "issued", agent.agentId(), agent.org(), csr.requestedName(),
                    cert.getSerialNumber().toString(16), cert.getNotAfter().toInstant());
            return certs(responses, HttpResponseStatus.OK, List.of(cert));
        } catch (Enrollments.RefusedException e) {
            LOG.warn("{}: refused ({}): {}", what, e.status(), e.getMessage());
            FullHttpResponse r = responses.text(HttpResponseStatus.valueOf(e.status()), e.getMessage());
            if (e.status() != HttpResponseStatus.UNAUTHORIZED.code()) {
                return r;
            }
            auditBursts(limiter.fail(limitedId, source), limitedId, source, logId);
            return challenge(r);
        } catch (OrgLimited e) {
            limits.stats().limited(e.org);
            return limited("org " + e.org, "org " + e.org, e.decision);
        } catch (java.sql.SQLException e) {
            LOG.error("{}: state database error", what, e);
            return responses.text(HttpResponseStatus.SERVICE_UNAVAILABLE, "enrollment is unavailable; try again later");
        }
    }

    private FullHttpResponse renew(ChannelHandlerContext ctx, FullHttpRequest req) {
        X509Certificate cert = peer.apply(ctx);
        AgentIdentity id = cert == null ? null : PeerIdentity.of(cert);
        if (id != null) {
            RateLimiter.Decision d = limits.rates().renewal(id);
            if (!d.allowed()) {
                limits.stats().limited(id.org());
                return limited("org " + id.org(), "agent " + id.agentId() + " of org " + id.org(), d);
            }
        }
        return reenroll.handle(source(ctx), req, cert);
    }

    /** 429 with Retry-After, logged at most once a minute per {@code logKey} (an org or an address). */
    private FullHttpResponse limited(String logKey, String who, RateLimiter.Decision d) {
        long suppressed = limits.log().allow("est limit " + logKey);
        if (suppressed >= 0) {
            LOG.warn("EST: {} is over its rate limit ({} ran out); answered 429 with Retry-After {}{}", who,
                    d.exhausted(), d.retryAfterSeconds(),
                    suppressed > 0 ? "; " + suppressed + " more such answers in the last minute" : "");
        }
        FullHttpResponse r = responses.text(HttpResponseStatus.TOO_MANY_REQUESTS, "rate limit: " + d.exhausted()
                + " exhausted; retry in " + d.retryAfterSeconds() + " s");
        r.headers().set(HttpHeaderNames.RETRY_AFTER, Long.toString(d.retryAfterSeconds()));
        return r;
    }

    private static FullHttpResponse challenge(FullHttpResponse r) {
        r.headers().set(HttpHeaderNames.WWW_AUTHENTICATE, CHALLENGE);
        return r;
    }

    private void auditBursts(List<String> emptied, String tokenId, String source, String logId) {
        for (String key : emptied) {
            LOG.warn("EST: burst of failed enrollments: {} is limited (last attempt from {} with {})", key, source,
                    logId);
            try {
                enrollments.recordBurst(key.startsWith("token ") ? tokenId : null, source,
                        "burst of failed authentication: " + key + " is limited");
            } catch (java.sql.SQLException e) {
                LOG.error("EST: auditing a burst of failed enrollments failed", e);
            }
        }
    }

    /** The peer's IP address, the key of its failure bucket. */
    private static String source(ChannelHandlerContext ctx) {
        return ctx.channel().remoteAddress() instanceof java.net.InetSocketAddress a && a.getAddress() != null
                ? a.getAddress().getHostAddress() : String.valueOf(ctx.channel().remoteAddress());
    }

    static FullHttpResponse certs(Responses responses, HttpResponseStatus status, List<X509Certificate> certs) {
        return certs(responses, status, Pkcs7.certsOnlyBase64(certs));
    }

    /** A certs-only response of {@code base64}, the body {@link Pkcs7#certsOnlyBase64} encoded. */
    private static FullHttpResponse certs(Responses responses, HttpResponseStatus status, byte[] base64) {
        FullHttpResponse r = responses.of(status, Pkcs7.CERTS_ONLY, base64);
        r.headers().set(HttpHeaderNames.CONTENT_TRANSFER_ENCODING, "base64");
        return r;
    }

    private FullHttpResponse methodNotAllowed(String allowed) {
        FullHttpResponse r = responses.text(HttpResponseStatus.METHOD_NOT_ALLOWED, "use " + allowed);
        r.headers().set(HttpHeaderNames.ALLOW, allowed);
        return r;
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        LOG.warn("EST: connection {} failed: {}", ctx.channel().remoteAddress(), cause.toString());
        ctx.close();
    }
}
