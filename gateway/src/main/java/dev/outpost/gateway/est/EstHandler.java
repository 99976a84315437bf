package dev.outpost.gateway.est;

import dev.outpost.gateway.ca.CertificateAuthority;
import dev.outpost.gateway.ca.CsrCheck;
import dev.outpost.gateway.ca.PeerIdentity;
import dev.outpost.gateway.http.BoundedAggregator;
import dev.outpost.gateway.http.Responses;
import dev.outpost.gateway.store.Enrollments;
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
import java.time.Duration;
import java.util.List;
import java.util.function.Function;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The EST endpoints (RFC 7030): {@code GET cacerts} and {@code POST simpleenroll} authenticated by an enrollment
 * token as HTTP Basic credentials. An optional CA label segment is accepted. Errors are short plain text.
 */
public final class EstHandler extends SimpleChannelInboundHandler<FullHttpRequest> {
    private static final Logger LOG = LoggerFactory.getLogger("outpost.gateway.est");
    private static final Pattern PATH = Pattern.compile(
            Pattern.quote(WireNames.EST_BASE) + "(?:[A-Za-z0-9_-]{1,64}/)?([a-z]+)");
    private final CertificateAuthority ca;
    private final Enrollments enrollments;
    private final Responses responses;
    private final String trustDomain;
    private final Duration validity;
    private final FailedAuthLimiter limiter;
    private final Reenroll reenroll;
    private final Function<ChannelHandlerContext, X509Certificate> peer;

    /**
     * @param limiter shared by every EST connection: failed authentications per token id and source address
     */
    public EstHandler(CertificateAuthority ca, Enrollments enrollments, Responses responses, String trustDomain,
            Duration validity, FailedAuthLimiter limiter, Reenroll reenroll) {
        this(ca, enrollments, responses, trustDomain, validity, limiter, reenroll,
                ctx -> PeerIdentity.certificate(ctx.pipeline().get(SslHandler.class).engine().getSession()));
    }

    /** With the client certificate taken from {@code peer}: for tests that run without TLS. */
    EstHandler(CertificateAuthority ca, Enrollments enrollments, Responses responses, String trustDomain,
            Duration validity, FailedAuthLimiter limiter, Reenroll reenroll,
            Function<ChannelHandlerContext, X509Certificate> peer) {
        this.limiter = java.util.Objects.requireNonNull(limiter, "limiter");
        this.reenroll = java.util.Objects.requireNonNull(reenroll, "reenroll");
        this.peer = peer;
        this.ca = ca;
        this.enrollments = enrollments;
        this.responses = responses;
        this.trustDomain = trustDomain;
        this.validity = validity;
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
                return certs(responses, HttpResponseStatus.OK, List.of(ca.certificate()));
            case WireNames.EST_SIMPLE_ENROLL:
                if (!HttpMethod.POST.equals(req.method())) {
                    return methodNotAllowed("POST");
                }
                return enroll(ctx, req);
            case WireNames.EST_SIMPLE_REENROLL:
                if (!HttpMethod.POST.equals(req.method())) {
                    return methodNotAllowed("POST");
                }
                return reenroll.handle(source(ctx), req, peer.apply(ctx));
            default:
                return responses.text(HttpResponseStatus.NOT_FOUND, "no such EST operation: " + CsrBody.printable(op));
        }
    }

    private FullHttpResponse enroll(ChannelHandlerContext ctx, FullHttpRequest req) {
        String[] credentials = BasicAuth.parse(req.headers().get(HttpHeaderNames.AUTHORIZATION));
        if (credentials == null) {
            FullHttpResponse r = responses.text(HttpResponseStatus.UNAUTHORIZED,
                    "enrollment needs a token as HTTP Basic credentials (user = token id, password = secret)");
            r.headers().set(HttpHeaderNames.WWW_AUTHENTICATE, "Basic realm=\"outpost-est\", charset=\"UTF-8\"");
            return r;
        }
        String tokenId = credentials[0];
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
        CsrBody.Parsed parsed = CsrBody.read(req, responses, LOG, "EST enroll from " + source + " with " + logId);
        if (parsed.refusal() != null) {
            return parsed.refusal();
        }
        CsrCheck.Accepted csr = parsed.csr();
        try {
            X509Certificate cert = enrollments.enroll(tokenId, credentials[1], csr.requestedName(), source,
                    id -> ca.issueAgent(csr.publicKey(), id, trustDomain, validity));
            LOG.info("EST enroll from {} with {}: issued {} (org {}, host {}) serial {} valid until {}",
                    ctx.channel().remoteAddress(), logId, commonName(cert), organization(cert), csr.requestedName(),
                    cert.getSerialNumber().toString(16), cert.getNotAfter().toInstant());
            return certs(responses, HttpResponseStatus.OK, List.of(cert));
        } catch (Enrollments.RefusedException e) {
            LOG.warn("EST enroll from {} with {}: refused (401): {}", ctx.channel().remoteAddress(), logId,
                    e.getMessage());
            auditBursts(limiter.fail(limitedId, source), limitedId, source, logId);
            FullHttpResponse r = responses.text(HttpResponseStatus.UNAUTHORIZED, e.getMessage());
            r.headers().set(HttpHeaderNames.WWW_AUTHENTICATE, "Basic realm=\"outpost-est\", charset=\"UTF-8\"");
            return r;
        } catch (java.sql.SQLException e) {
            LOG.error("EST enroll from {} with {}: state database error", ctx.channel().remoteAddress(), logId, e);
            return responses.text(HttpResponseStatus.SERVICE_UNAVAILABLE, "enrollment is unavailable; try again later");
        }
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
        FullHttpResponse r = responses.of(status, Pkcs7.CERTS_ONLY, Pkcs7.certsOnlyBase64(certs));
        r.headers().set(HttpHeaderNames.CONTENT_TRANSFER_ENCODING, "base64");
        return r;
    }

    private FullHttpResponse methodNotAllowed(String allowed) {
        FullHttpResponse r = responses.text(HttpResponseStatus.METHOD_NOT_ALLOWED, "use " + allowed);
        r.headers().set(HttpHeaderNames.ALLOW, allowed);
        return r;
    }

    static String commonName(X509Certificate cert) {
        return rdn(cert, org.bouncycastle.asn1.x500.style.BCStyle.CN);
    }

    static String organization(X509Certificate cert) {
        return rdn(cert, org.bouncycastle.asn1.x500.style.BCStyle.O);
    }

    private static String rdn(X509Certificate cert, org.bouncycastle.asn1.ASN1ObjectIdentifier type) {
        var name = org.bouncycastle.asn1.x500.X500Name.getInstance(cert.getSubjectX500Principal().getEncoded());
        var rdns = name.getRDNs(type);
        return rdns.length == 0 ? "" : rdns[0].getFirst().getValue().toString();
    }


    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        LOG.warn("EST: connection {} failed: {}", ctx.channel().remoteAddress(), cause.toString());
        ctx.close();
    }
}
