package dev.outpost.agent.transport;

import dev.outpost.wire.WireNames;
import java.io.ByteArrayOutputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.TreeMap;

/**
 * Reads HTTP/1.1 (and 1.0) responses off one connection, bounding everything the peer sends: the status line and
 * every header line ({@link #MAX_LINE}), the number of headers ({@link #MAX_HEADERS}) and their bytes
 * ({@link #MAX_HEAD_BYTES}), the body ({@code maxBody}, with {@code Content-Length}, chunked, or up to the close),
 * chunk-size lines and trailers alike, and the bytes of one response on the wire in all. A response that breaks a
 * rule or is not HTTP is an {@link IOException} saying which rule, with what the peer sent as one bounded, escaped
 * line ({@link PeerText}); the connection is then of no further use.
 */
final class ResponseReader {
    /** Longest status, header, chunk-size or trailer line, CRLF excluded. */
    static final int MAX_LINE = 8 * 1024;
    /** Most header lines of one response (and most trailer lines). */
    static final int MAX_HEADERS = 100;
    /** Most bytes of the status line and headers together (and of the trailers). */
    static final int MAX_HEAD_BYTES = 64 * 1024;
    /** Most interim (1xx) responses before the final one. */
    static final int MAX_INTERIM = 8;

    private final InputStream in;
    private final String peer;
    private final int maxBody;
    /** Bytes of one response on the wire, all framing included: the body's bound plus the head's, twice. */
    private final long maxWire;
    private final byte[] buf = new byte[8192];
    private int pos;
    private int lim;
    /** Bytes taken from {@link #in} for the response being read. */
    private long consumed;

    ResponseReader(InputStream in, String peer, int maxBody) {
        this.in = in;
        this.peer = peer;
        this.maxBody = maxBody;
        this.maxWire = 2L * maxBody + 4L * MAX_HEAD_BYTES;
    }

    /** Whether bytes after the last response wait in the buffer (on an idle connection: sent unasked). */
    boolean buffered() {
        return pos < lim;
    }

    /** The next whole response; {@link EOFException} if the peer closed the connection before its first byte. */
    Response read() throws IOException {
        consumed = 0;
        for (int interim = 0; ; interim++) {
            String statusLine = line("status line", true);
            Head head = head(statusLine);
            if (head.status >= 100 && head.status < 200) {
                if (head.status == 101 || interim >= MAX_INTERIM) {
                    throw malformed(head.status == 101 ? "a protocol switch (101) nobody asked for"
                            : "more than " + MAX_INTERIM + " interim (1xx) responses", statusLine);
                }
                continue;
            }
            return body(head);
        }
    }

    private record Head(boolean http10, int status, Map<String, String> headers) {
        String get(String name) {
            return headers.get(name);
        }
    }

    private Head head(String statusLine) throws IOException {
        boolean http10;
        if (statusLine.startsWith("HTTP/1.1 ")) {
            http10 = false;
        } else if (statusLine.startsWith("HTTP/1.0 ")) {
            http10 = true;
        } else {
            throw malformed("not an HTTP/1.1 or 1.0 status line", statusLine);
        }
        if (statusLine.length() < 12 || (statusLine.length() > 12 && statusLine.charAt(12) != ' ')
                || !digits(statusLine, 9, 12) || statusLine.charAt(9) == '0') {
            throw malformed("no three-digit status code in the status line", statusLine);
        }
        int status = Integer.parseInt(statusLine.substring(9, 12));
        Map<String, String> headers = new TreeMap<>(String.CASE_INSENSITIVE_ORDER);
        fields(headers, statusLine.length(), "header");
        return new Head(http10, status, headers);
    }

    /** Header (or trailer) lines up to the empty line, joined per name with ", " as RFC 9110 allows. */
    private void fields(Map<String, String> into, int bytesSoFar, String what) throws IOException {
        int bytes = bytesSoFar;
        for (int n = 0; ; n++) {
            String line = line(what + " line", false);
            if (line.isEmpty()) {
                return;
            }
            bytes += line.length() + 2;
            if (n >= MAX_HEADERS) {
                throw malformed("more than " + MAX_HEADERS + " " + what + " lines", line);
            }
            if (bytes > MAX_HEAD_BYTES) {
                throw malformed(what + "s longer than " + MAX_HEAD_BYTES + " bytes in all", line);
            }
            int colon = line.indexOf(':');
            if (colon <= 0 || !token(line, 0, colon)) {
                throw malformed("a " + what + " line that is not \"name: value\"", line);
            }
            String name = line.substring(0, colon);
            String value = line.substring(colon + 1).strip();
            into.merge(name, value, (a, b) -> a + ", " + b);
        }
    }

    private Response body(Head h) throws IOException {
        String connection = h.get("Connection");
        boolean keepAlive = h.http10 ? hasToken(connection, "keep-alive") : !hasToken(connection, "close");
        byte[] body;
        String te = h.get("Transfer-Encoding");
        String cl = h.get("Content-Length");
        if (h.status == 204 || h.status == 304) {
            body = new byte[0];
        } else if (te != null) {
            if (h.http10 || !te.equalsIgnoreCase("chunked")) {
                throw malformed("a Transfer-Encoding the agent does not read (only chunked, in HTTP/1.1)", te);
            }
            if (cl != null) {
                keepAlive = false; // both: chunked wins (RFC 9112 6.3), and the connection is not to be reused
            }
            body = chunked();
        } else if (cl != null) {
            body = fixed(contentLength(cl));
        } else {
            body = toClose();
            keepAlive = false;
        }
        return new Response(h.status, h.headers.getOrDefault("Content-Type", ""), h.get("Retry-After"), h.get("Date"),
                keepAlive, body, h.get(WireNames.BATCH_RESULT_HEADER), h.get(WireNames.WATERMARK_HEADER));
    }

    /** One length for all Content-Length values (a list of equal ones is allowed), within the body bound. */
    private int contentLength(String value) throws IOException {
        long length = -1;
        for (String v : value.split(",", -1)) {
            String s = v.strip();
            if (s.isEmpty() || s.length() > 18 || !digits(s, 0, s.length())) {
                throw malformed("a Content-Length that is not a number", value);
            }
            long l = Long.parseLong(s);
            if (length >= 0 && l != length) {
                throw malformed("Content-Length values that differ", value);
            }
            length = l;
        }
        if (length > maxBody) {
            throw new IOException("response from " + peer + " has a body of " + length + " bytes, more than the "
                    + maxBody + " the agent reads");
        }
        return (int) length;
    }

    private byte[] fixed(int length) throws IOException {
        byte[] body = new byte[length];
        int n = 0;
        while (n < length) {
            if (pos == lim && !fill()) {
                throw new EOFException("connection closed by " + peer + " after " + n + " of the " + length
                        + " bytes of a response body");
            }
            int k = Math.min(length - n, lim - pos);
            System.arraycopy(buf, pos, body, n, k);
            pos += k;
            n += k;
        }
        return body;
    }

    private byte[] chunked() throws IOException {
        ByteArrayOutputStream body = new ByteArrayOutputStream();
        while (true) {
            String line = line("chunk-size line", false);
            int semi = line.indexOf(';');
            String hex = (semi >= 0 ? line.substring(0, semi) : line).strip();
            if (hex.isEmpty() || hex.length() > 8 || !hexDigits(hex)) {
                throw malformed("a chunk size that is not a hexadecimal number of at most 8 digits", line);
            }
            long size = Long.parseLong(hex, 16);
            if (size == 0) {
                fields(new TreeMap<>(String.CASE_INSENSITIVE_ORDER), 0, "trailer");
                return body.toByteArray();
            }
            if (body.size() + size > maxBody) {
                throw new IOException("response from " + peer + " has a chunked body of more than the " + maxBody
                        + " bytes the agent reads");
            }
            body.write(fixed((int) size));
            if (!line("chunk end", false).isEmpty()) {
                throw new IOException("malformed response from " + peer + ": a chunk longer than its size");
            }
        }
    }

    private byte[] toClose() throws IOException {
        ByteArrayOutputStream body = new ByteArrayOutputStream();
        while (pos < lim || fill()) {
            if (body.size() + (lim - pos) > maxBody) {
                throw new IOException("response from " + peer + " has a body of more than the " + maxBody
                        + " bytes the agent reads");
            }
            body.write(buf, pos, lim - pos);
            pos = lim;
        }
        return body.toByteArray();
    }

    /**
     * One line up to LF (a CR before it dropped), at most {@link #MAX_LINE} bytes, as ISO-8859-1. {@code first}: an
     * end of stream before its first byte is an {@link EOFException} "closed" (the peer closed an idle connection).
     */
    private String line(String what, boolean first) throws IOException {
        int start = pos;
        StringBuilder spill = null;
        while (true) {
            for (int i = pos; i < lim; i++) {
                if (buf[i] == '\n') {
                    int end = i > start && buf[i - 1] == '\r' ? i - 1 : i;
                    String tail = new String(buf, start, end - start, StandardCharsets.ISO_8859_1);
                    pos = i + 1;
                    String line = spill == null ? tail : spill.append(tail).toString();
                    if (spill != null && line.endsWith("\r")) {
                        line = line.substring(0, line.length() - 1); // the CR was the last byte of the buffer
                    }
                    if (line.length() > MAX_LINE) {
                        throw malformed("a " + what + " longer than " + MAX_LINE + " bytes", line);
                    }
                    return line;
                }
            }
            int have = (spill == null ? 0 : spill.length()) + (lim - start);
            if (have > MAX_LINE + 1) {
                String text = (spill == null ? "" : spill.toString())
                        + new String(buf, start, lim - start, StandardCharsets.ISO_8859_1);
                throw malformed("a " + what + " longer than " + MAX_LINE + " bytes", text);
            }
            if (lim > start) {
                if (spill == null) {
                    spill = new StringBuilder(MAX_LINE + 2);
                }
                spill.append(new String(buf, start, lim - start, StandardCharsets.ISO_8859_1));
            }
            pos = lim;
            if (!fill()) {
                if (first && spill == null) {
                    throw new EOFException("connection closed by " + peer);
                }
                throw new EOFException("connection closed by " + peer + " in the middle of a " + what);
            }
            start = pos;
        }
    }

    /** Reads more into the (consumed) buffer; false at the end of the stream. */
    private boolean fill() throws IOException {
        if (consumed >= maxWire) {
            throw new IOException("response from " + peer + " is longer than " + maxWire + " bytes on the wire");
        }
        int n = in.read(buf, 0, (int) Math.min(buf.length, maxWire - consumed));
        if (n < 0) {
            pos = lim = 0;
            return false;
        }
        pos = 0;
        lim = n;
        consumed += n;
        return true;
    }

    private IOException malformed(String rule, String sent) {
        return new IOException("malformed response from " + peer + ": " + rule + ": " + PeerText.of(sent));
    }

    private static boolean digits(String s, int from, int to) {
        for (int i = from; i < to; i++) {
            if (s.charAt(i) < '0' || s.charAt(i) > '9') {
                return false;
            }
        }
        return to > from;
    }

    private static boolean hexDigits(String s) {
        for (int i = 0; i < s.length(); i++) {
            if (Character.digit(s.charAt(i), 16) < 0 || s.charAt(i) > 'f') {
                return false;
            }
        }
        return true;
    }

    /** RFC 9110 token characters only (no space before the colon, no control characters). */
    private static boolean token(String s, int from, int to) {
        for (int i = from; i < to; i++) {
            char c = s.charAt(i);
            boolean ok = c > 0x20 && c < 0x7f && "\"(),/:;<=>?@[\\]{}".indexOf(c) < 0;
            if (!ok) {
                return false;
            }
        }
        return true;
    }

    /** Whether the comma-separated list {@code header} holds {@code token} (any case, spaces around it ignored). */
    private static boolean hasToken(String header, String token) {
        if (header == null) {
            return false;
        }
        // A loop, not split and a stream: this runs for every response, mostly in the interpreter.
        for (int from = 0; ; ) {
            int comma = header.indexOf(',', from);
            int end = comma < 0 ? header.length() : comma;
            if (header.substring(from, end).strip().equalsIgnoreCase(token)) {
                return true;
            }
            if (comma < 0) {
                return false;
            }
            from = comma + 1;
        }
    }
}
