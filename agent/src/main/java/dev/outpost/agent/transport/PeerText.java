package dev.outpost.agent.transport;

import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;

/**
 * Text a peer chose (a gateway's reason, a body excerpt, a header value, a name in its certificate) made fit for one
 * log line: at most {@link #MAX_CHARS} characters, line breaks, control and invisible formatting characters escaped
 * ({@code \n}, {@code \u202e}), bytes that are not UTF-8 shown as {@code \xNN}. A hostile or broken peer can then
 * neither flood the log nor forge or hide lines in it.
 */
public final class PeerText {
    /** The most characters kept of what a peer sent; what is cut is counted. */
    public static final int MAX_CHARS = 200;

    private PeerText() {
    }

    /** {@code text}, escaped and bounded; {@code "(empty)"} if there is nothing printable. */
    public static String of(String text) {
        if (text == null) {
            return "(none)";
        }
        String s = text.strip();
        return bounded(s, s.length(), null);
    }

    /** The first bytes of {@code body} as text: UTF-8, or if it is not, printable ASCII with the rest as {@code \xNN}. */
    public static String of(byte[] body) {
        int n = Math.min(body.length, MAX_CHARS * 4);
        while (n > 0 && n < body.length && (body[n] & 0xc0) == 0x80) {
            n--; // not in the middle of a character
        }
        String whole = body.length + " bytes in all";
        try {
            String s = StandardCharsets.UTF_8.newDecoder().onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT).decode(ByteBuffer.wrap(body, 0, n)).toString()
                    .strip();
            return bounded(s, n < body.length ? Integer.MAX_VALUE : s.length(), whole);
        } catch (CharacterCodingException e) {
            StringBuilder b = new StringBuilder(MAX_CHARS + 32);
            int i = 0;
            for (; i < body.length && b.length() < MAX_CHARS; i++) {
                int v = body[i] & 0xff;
                b.append(v >= 0x20 && v < 0x7f && v != '\\' ? String.valueOf((char) v) : String.format("\\x%02x", v));
            }
            return i < body.length ? b.append("… (").append(whole).append(')').toString() : b.toString();
        }
    }

    /** Escapes {@code s} up to {@link #MAX_CHARS}; says what was cut, or {@code whole} if the text was longer. */
    private static String bounded(String s, int length, String whole) {
        StringBuilder b = new StringBuilder(Math.min(s.length(), MAX_CHARS) + 32);
        int i = 0;
        while (i < s.length() && b.length() < MAX_CHARS) {
            int cp = s.codePointAt(i);
            escape(cp, b);
            i += Character.charCount(cp);
        }
        if (i < length) {
            b.append("… (").append(whole != null ? whole : (length - i) + " more characters").append(')');
        }
        return b.length() == 0 ? "(empty)" : b.toString();
    }

    private static void escape(int cp, StringBuilder b) {
        switch (cp) {
            case '\n' -> b.append("\\n");
            case '\r' -> b.append("\\r");
            case '\t' -> b.append("\\t");
            case '\\' -> b.append("\\\\");
            default -> {
                int type = Character.getType(cp);
                boolean hidden = type == Character.CONTROL || type == Character.FORMAT || type == Character.SURROGATE
                        || type == Character.LINE_SEPARATOR || type == Character.PARAGRAPH_SEPARATOR
                        || type == Character.PRIVATE_USE || type == Character.UNASSIGNED;
                if (hidden) {
                    b.append(String.format(cp <= 0xff ? "\\x%02x" : "\\u%04x", cp));
                } else {
                    b.appendCodePoint(cp);
                }
            }
        }
    }
}
