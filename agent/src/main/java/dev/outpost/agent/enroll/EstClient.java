package dev.outpost.agent.enroll;

import dev.outpost.agent.transport.HttpsClient;
import dev.outpost.agent.transport.Request;
import dev.outpost.agent.transport.Response;
import dev.outpost.wire.WireNames;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.security.cert.CertificateException;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;

/**
 * The EST client side (RFC 7030): {@code cacerts}, {@code simpleenroll} (token) and {@code simplereenroll} (current
 * client certificate), over a given HTTPS connection.
 */
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
        private final String retryAfter;

        RefusedException(int status, String retryAfter, String message) {
            super(message);
            this.status = status;
            this.retryAfter = retryAfter;
        }

        public int status() {
            return status;
        }

        /** The gateway's {@code Retry-After} (429, 503), or null. */
        public String retryAfter() {
            return retryAfter;
        }
    }

    /** The CA bundle. */
    public List<X509Certificate> caCerts() throws IOException {
        return certs(http.exchange(Request.get(basePath + WireNames.EST_CACERTS)), "cacerts");
    }

    /** Sends the CSR with the token id and secret as Basic credentials; returns the issued certificate. */
    public X509Certificate simpleEnroll(byte[] csrDer, String tokenId, String tokenSecret) throws IOException {
        Request req = csrRequest(WireNames.EST_SIMPLE_ENROLL, csrDer);
        String basic = Base64.getEncoder().encodeToString((tokenId + ":" + tokenSecret).getBytes(StandardCharsets.UTF_8));
        req.header("Authorization", "Basic " + basic);
        List<X509Certificate> certs = certs(http.exchange(req), "simpleenroll");
        return certs.get(0);
    }

    /** Sends the CSR for a new key, authenticated by the connection's client certificate; returns the new one. */
    public X509Certificate simpleReenroll(byte[] csrDer) throws IOException {
        return certs(http.exchange(csrRequest(WireNames.EST_SIMPLE_REENROLL, csrDer)), "simplereenroll").get(0);
    }

    private Request csrRequest(String operation, byte[] csrDer) {
        return Request.post(basePath + operation, Base64.getMimeEncoder().encode(csrDer))
                .header("Content-Type", "application/pkcs10").header("Content-Transfer-Encoding", "base64");
    }

    private List<X509Certificate> certs(Response r, String op) throws IOException {
        if (r.status() != 200) {
            throw new RefusedException(r.status(), r.retryAfter(), "gateway refused " + op + " (HTTP " + r.status() + "): " + r.bodyText());
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
