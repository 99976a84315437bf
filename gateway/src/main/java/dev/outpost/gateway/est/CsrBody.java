package dev.outpost.gateway.est;

import dev.outpost.gateway.ca.CsrCheck;
import dev.outpost.gateway.ca.KeyType;
import dev.outpost.gateway.http.Responses;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpResponseStatus;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.Locale;
import java.util.Set;
import org.slf4j.Logger;

/** The body of {@code simpleenroll} and {@code simplereenroll}: a base64 PKCS#10 CSR (RFC 7030 section 4.2.1). */
final class CsrBody {
    /** A checked CSR, or the response that refuses the request. */
    record Parsed(CsrCheck.Accepted csr, FullHttpResponse refusal) {
    }

    private CsrBody() {
    }

    /**
     * Reads and checks the CSR against the {@code accepted} key types; {@code what} names the request in log lines
     * (never a secret).
     */
    static Parsed read(FullHttpRequest req, Set<KeyType> accepted, Responses responses, Logger log, String what) {
        String type = req.headers().get(HttpHeaderNames.CONTENT_TYPE, "");
        if (!type.toLowerCase(Locale.ROOT).startsWith("application/pkcs10")) {
            return new Parsed(null, responses.text(HttpResponseStatus.UNSUPPORTED_MEDIA_TYPE,
                    "Content-Type must be application/pkcs10, not \"" + printable(type) + "\""));
        }
        try {
            byte[] der = Base64.getDecoder().decode(
                    req.content().toString(StandardCharsets.US_ASCII).replaceAll("\\s+", ""));
            return new Parsed(CsrCheck.check(der, accepted), null);
        } catch (IllegalArgumentException e) {
            log.warn("{}: refused (400): CSR is not base64", what);
            return new Parsed(null, responses.text(HttpResponseStatus.BAD_REQUEST, "CSR is not base64 text"));
        } catch (CsrCheck.BadCsrException e) {
            log.warn("{}: refused (400): {}", what, e.getMessage());
            return new Parsed(null, responses.text(HttpResponseStatus.BAD_REQUEST, e.getMessage()));
        }
    }

    static String printable(String s) {
        String t = s.replaceAll("[^\\x20-\\x7e]", "?");
        return t.length() > 80 ? t.substring(0, 80) + "…" : t;
    }
}
