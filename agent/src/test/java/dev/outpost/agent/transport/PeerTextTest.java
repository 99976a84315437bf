package dev.outpost.agent.transport;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

class PeerTextTest {
    @Test
    void lineBreaksControlAndInvisibleFormattingCharactersAreEscaped() {
        assertEquals("bad\\n2026-12-02T00:00:00Z INFO forged\\r\\x1b[31mred\\u202eevil\\\\ ok é",
                PeerText.of("bad\n2026-12-02T00:00:00Z INFO forged\r\u001b[31mred\u202eevil\\ ok é\n"));
        assertEquals("(empty)", PeerText.of("  \n"));
        assertEquals("(none)", PeerText.of((String) null));
    }

    @Test
    void longTextIsCutAtTheBoundAndSaysHowMuchWasLeft() {
        String cut = PeerText.of("x".repeat(1000));
        assertEquals("x".repeat(PeerText.MAX_CHARS) + "… (800 more characters)", cut);
    }

    @Test
    void aBodyIsReadOnlyAsFarAsTheBoundAndBytesThatAreNotUtf8AreShownAsHex() {
        byte[] big = "y".repeat(5_000_000).getBytes(StandardCharsets.US_ASCII);
        assertEquals("y".repeat(PeerText.MAX_CHARS) + "… (5000000 bytes in all)", PeerText.of(big));
        assertEquals("ok\\xff\\xfe\\x00", PeerText.of(new byte[] {'o', 'k', (byte) 0xff, (byte) 0xfe, 0}));
        byte[] utf8 = "é".repeat(500).getBytes(StandardCharsets.UTF_8); // 1000 bytes, cut inside the text
        assertEquals("é".repeat(PeerText.MAX_CHARS) + "… (1000 bytes in all)", PeerText.of(utf8));
    }
}
