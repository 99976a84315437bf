package dev.outpost.agent.transport;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * One HTTP/1.1 request for {@link HttpsClient}: method, path (relative to the server), the caller's headers, body.
 * The client adds {@code Host}, {@code Connection: keep-alive} and {@code Content-Length} itself.
 */
public final class Request {
    private static final byte[] NO_BODY = new byte[0];
    private final String method;
    private final String path;
    private final byte[] body;
    private final List<String> headers = new ArrayList<>(4);

    private Request(String method, String path, byte[] body) {
        this.method = checked(method, "method");
        this.path = checked(path, "path");
        if (path.isEmpty() || path.indexOf(' ') >= 0) {
            throw new IllegalArgumentException("path \"" + path + "\" must be non-empty and without spaces");
        }
        this.body = body;
    }

    public static Request get(String path) {
        return new Request("GET", path, NO_BODY);
    }

    public static Request post(String path, byte[] body) {
        return new Request("POST", path, body);
    }

    /** Adds a header (not one the client sets itself). */
    public Request header(String name, String value) {
        String n = checked(name, "header name").toLowerCase(Locale.ROOT);
        if (n.equals("host") || n.equals("connection") || n.equals("content-length") || n.equals("transfer-encoding")) {
            throw new IllegalArgumentException("the client sets " + name + " itself");
        }
        headers.add(name + ": " + checked(value, "value of " + name));
        return this;
    }

    public String method() {
        return method;
    }

    public String path() {
        return path;
    }

    public byte[] body() {
        return body;
    }

    /** The caller's headers as {@code Name: value} lines, in the order added. */
    List<String> headerLines() {
        return headers;
    }

    /** No CR, LF or other control character may end up in the request head (header injection). */
    private static String checked(String s, String what) {
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c < 0x20 && c != '\t' || c == 0x7f) {
                throw new IllegalArgumentException(what + " holds a control character");
            }
        }
        return s;
    }
}
