package dev.outpost.gateway.est;

import java.nio.charset.StandardCharsets;
import java.util.Base64;

/** Parses an HTTP Basic {@code Authorization} header (RFC 7617). */
final class BasicAuth {
    /** Longest header accepted; a token is about 60 characters. */
    static final int MAX_HEADER = 512;

    private BasicAuth() {
    }

    /** {user, password}, or null if the header is absent or not well-formed Basic credentials. */
    static String[] parse(String header) {
        if (header == null || header.length() > MAX_HEADER || !header.regionMatches(true, 0, "Basic ", 0, 6)) {
            return null;
        }
        String decoded;
        try {
            decoded = new String(Base64.getDecoder().decode(header.substring(6).trim()), StandardCharsets.UTF_8);
        } catch (IllegalArgumentException e) {
            return null;
        }
        int colon = decoded.indexOf(':');
        if (colon <= 0) {
            return null;
        }
        return new String[] {decoded.substring(0, colon), decoded.substring(colon + 1)};
    }
}
