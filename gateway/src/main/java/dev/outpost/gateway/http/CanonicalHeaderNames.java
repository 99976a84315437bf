package dev.outpost.gateway.http;

import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelOutboundHandlerAdapter;
import io.netty.channel.ChannelPromise;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.codec.http.HttpResponse;
import io.netty.handler.codec.http.LastHttpContent;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Writes every response header name in its canonical case ({@code Content-Type}, {@code WWW-Authenticate}) whatever
 * case the handler set it in: Netty's name constants are lower case and Netty sends names as set. HTTP says names are
 * case-insensitive, but deployed EST clients and middleboxes compare them case-sensitively (Cisco libest's
 * {@code estclient} ignores a lower-case {@code content-type}). One outbound step in each listener's pipeline, so no
 * handler has to remember it.
 */
public final class CanonicalHeaderNames extends ChannelOutboundHandlerAdapter {
    /** Names whose registered spelling is not "each word capitalised". */
    private static final Map<String, String> SPECIAL = Map.of(
            "www-authenticate", "WWW-Authenticate",
            "etag", "ETag",
            "te", "TE",
            "content-md5", "Content-MD5",
            "x-xss-protection", "X-XSS-Protection",
            "dnt", "DNT");

    @Override
    public void write(ChannelHandlerContext ctx, Object msg, ChannelPromise promise) {
        if (msg instanceof HttpResponse r) {
            canonicalise(r.headers());
        }
        if (msg instanceof LastHttpContent last) {
            canonicalise(last.trailingHeaders());
        }
        ctx.write(msg, promise);
    }

    /**
     * Rewrites the names of {@code headers} in canonical case, keeping their order and values. Runs for every response:
     * the usual case, names set in canonical case already, is checked without allocating.
     */
    static void canonicalise(HttpHeaders headers) {
        boolean already = true;
        for (Iterator<Map.Entry<CharSequence, CharSequence>> it = headers.iteratorCharSequence(); it.hasNext();) {
            if (!isCanonical(it.next().getKey())) {
                already = false;
                break;
            }
        }
        if (already) {
            return;
        }
        List<Map.Entry<String, String>> entries = new ArrayList<>(headers.entries());
        headers.clear();
        for (Map.Entry<String, String> e : entries) {
            headers.add(canonical(e.getKey()), e.getValue());
        }
    }

    /** Whether {@code name} equals {@link #canonical}{@code (name)}, without building that. */
    static boolean isCanonical(CharSequence name) {
        for (String special : SPECIAL.values()) {
            if (equalsIgnoreCase(special, name)) {
                return special.contentEquals(name);
            }
        }
        boolean start = true;
        for (int i = 0; i < name.length(); i++) {
            char c = name.charAt(i);
            char lower = Character.toLowerCase(c);
            if (c != (start ? Character.toUpperCase(lower) : lower)) {
                return false;
            }
            start = c == '-';
        }
        return true;
    }

    private static boolean equalsIgnoreCase(String a, CharSequence b) {
        if (a.length() != b.length()) {
            return false;
        }
        for (int i = 0; i < a.length(); i++) {
            if (Character.toLowerCase(a.charAt(i)) != Character.toLowerCase(b.charAt(i))) {
                return false;
            }
        }
        return true;
    }

    /** {@code content-type} -> {@code Content-Type}; the registered exceptions, e.g. {@code WWW-Authenticate}. */
    public static String canonical(String name) {
        String lower = name.toLowerCase(Locale.ROOT);
        String special = SPECIAL.get(lower);
        if (special != null) {
            return special;
        }
        StringBuilder b = new StringBuilder(lower.length());
        boolean start = true;
        for (int i = 0; i < lower.length(); i++) {
            char c = lower.charAt(i);
            b.append(start ? Character.toUpperCase(c) : c);
            start = c == '-';
        }
        return b.toString();
    }
}
