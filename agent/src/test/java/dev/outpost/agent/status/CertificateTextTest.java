package dev.outpost.agent.status;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;

import dev.outpost.agent.tls.Credentials;
import dev.outpost.agent.tls.TestCa;
import java.time.Instant;
import org.junit.jupiter.api.Test;

class CertificateTextTest {
    @Test
    void showsTheCurrentCertificateAndTheNextOneOnceItRotates() throws Exception {
        TestCa ca = new TestCa();
        Instant t0 = Instant.parse("2026-12-03T16:00:04Z");
        Credentials first = ca.credentials("a-0123456789abcdef", "acme", t0.minusSeconds(300), t0.plusSeconds(86_400));
        Credentials renewed = ca.credentials("a-0123456789abcdef", "acme", t0.plusSeconds(43_200),
                t0.plusSeconds(43_200 + 86_400));
        Credentials other = ca.credentials("a-fedcba9876543210", "globex", t0, t0.plusSeconds(3_600));
        CertificateText text = new CertificateText();

        assertSame(text, text.of(first));
        assertEquals("a-0123456789abcdef", text.agentId());
        assertEquals("acme", text.org());
        assertEquals("2026-12-04T16:00:04Z", text.notAfter());
        text.of(first);
        assertEquals("2026-12-04T16:00:04Z", text.notAfter());

        text.of(renewed);
        assertEquals("2026-12-05T04:00:04Z", text.notAfter());
        text.of(other);
        assertEquals("a-fedcba9876543210", text.agentId());
        assertEquals("globex", text.org());
        assertEquals("2026-12-03T17:00:04Z", text.notAfter());
        text.of(first);
        assertEquals("acme", text.org());
        assertEquals("2026-12-04T16:00:04Z", text.notAfter());
    }
}
