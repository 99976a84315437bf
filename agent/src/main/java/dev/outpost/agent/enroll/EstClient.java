package dev.outpost.agent.enroll;

import dev.outpost.agent.transport.HttpsClient;
import dev.outpost.agent.transport.Response;
import dev.outpost.wire.WireNames;
import io.netty.buffer.Unpooled;
import io.netty.handler.codec.http.DefaultFullHttpRequest;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpVersion;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.security.cert.CertificateException;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;

/** The EST client side (RFC 7030): {@code cacerts} and {@code simpleenroll}, over a given HTTPS connection. */
public final class EstClient {
    private final HttpsClient http;
    private final String basePath;

    public EstClient(HttpsClient http) {
        this.http = http;
        String path = http.base().getPath();
        this.basePath = (path == null || path.isEmpty() || path.equals("/")) ? WireNames.EST_BASE
                : (path.endsWith("/") ? path : path + "/");
    }

    /** Refused by the gateway; the message carries its explanation. */
    public static final class RefusedException extends IOException {
        private static final long serialVersionUID = 1L;
        private final int status;

        RefusedException(int status, String message) {
            super(message);
            this.status = status;
        }

        public int status() {
            return status;
        }
    }

    /** The CA bundle. */
    public List<X509Certificate> caCerts() throws IOException {
        FullHttpRequest req = new DefaultFullHttpRequest(HttpVersion.HTTP_1_1, HttpMethod.GET,
                basePath + WireNames.EST_CACERTS, Unpooled.EMPTY_BUFFER);
        return certs(http.exchange(req), "cacerts");
    }

    /** Sends the CSR with the token id and secret as Basic credentials; returns the issued certificate. */
    public X509Certificate simpleEnroll(byte[] csrDer, String tokenId, String tokenSecret) throws IOException {
        FullHttpRequest req = new DefaultFullHttpRequest(HttpVersion.HTTP_1_1, HttpMethod.POST,
                basePath + WireNames.EST_SIMPLE_ENROLL,
                Unpooled.wrappedBuffer(Base64.getMimeEncoder().encode(csrDer)));
        req.headers().set(HttpHeaderNames.CONTENT_TYPE, "application/pkcs10");
        req.headers().set("Content-Transfer-Encoding", "base64");
        String basic = Base64.getEncoder().encodeToString((tokenId + ":" + tokenSecret).getBytes(StandardCharsets.UTF_8));
        req.headers().set(HttpHeaderNames.AUTHORIZATION, "Basic " + basic);
        List<X509Certificate> certs = certs(http.exchange(req), "simpleenroll");
        return certs.get(0);
    }

    private List<X509Certificate> certs(Response r, String op) throws IOException {
        if (r.status() != 200) {
            throw new RefusedException(r.status(), "gateway refused " + op + " (HTTP " + r.status() + "): " + r.bodyText());
        }
        try {
            byte[] der = Base64.getDecoder().decode(new String(r.body(), StandardCharsets.US_ASCII).replaceAll("\\s+", ""));
            var parsed = CertificateFactory.getInstance("X.509").generateCertificates(new ByteArrayInputStream(der));
            List<X509Certificate> out = new ArrayList<>();
            for (var c : parsed) {
                out.add((X509Certificate) c);
            }
            if (out.isEmpty()) {
                throw new IOException("gateway's " + op + " response holds no certificate");
            }
            return out;
        } catch (IllegalArgumentException | CertificateException e) {
            throw new IOException("gateway's " + op + " response is not a base64 PKCS#7 certs-only structure", e);
        }
    }
}
