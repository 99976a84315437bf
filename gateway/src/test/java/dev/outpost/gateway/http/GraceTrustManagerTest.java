package dev.outpost.gateway.http;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.outpost.gateway.ca.AgentIdentity;
import dev.outpost.gateway.ca.CertificateAuthority;
import java.security.SecureRandom;
import java.security.cert.CertificateException;
import java.security.cert.X509Certificate;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;
import org.junit.jupiter.api.Test;

class GraceTrustManagerTest {
    static final Instant ISSUED = Instant.parse("2026-11-01T10:00:00Z");
    final SecureRandom random = new SecureRandom();
    /** A CA whose clock stands at ISSUED, so what it issues is valid from then. */
    final CertificateAuthority ca = CertificateAuthority.generate("t", Duration.ofDays(3650),
            Clock.fixed(ISSUED, ZoneOffset.UTC), random);
    /** An agent certificate issued at ISSUED, valid 24 h. */
    final X509Certificate agent = ca.issueAgent(CertificateAuthority.newKeyPair(random).getPublic(),
            new AgentIdentity("acme", "a-0123456789abcdef"), "outpost.local", Duration.ofHours(24));

    GraceTrustManager at(Instant now, Duration grace) {
        return new GraceTrustManager(ca.certificate(), grace, Clock.fixed(now, ZoneOffset.UTC));
    }

    @Test
    void validAndExpiredWithinGraceAreAcceptedBeyondGraceIsNot() throws Exception {
        X509Certificate[] chain = {agent};
        at(ISSUED.plus(Duration.ofHours(1)), Duration.ofDays(7)).validate(chain);
        at(ISSUED.plus(Duration.ofDays(6)), Duration.ofDays(7)).validate(chain);   // expired 5 days ago
        CertificateException e = assertThrows(CertificateException.class,
                () -> at(ISSUED.plus(Duration.ofDays(9)), Duration.ofDays(7)).validate(chain));
        assertEquals("client certificate expired at 2026-11-02T10:00:00Z, more than the renewal grace of 7 days ago",
                e.getMessage());
        assertEquals("client certificate expired at 2026-11-02T10:00:00Z", assertThrows(CertificateException.class,
                () -> at(ISSUED.plus(Duration.ofDays(2)), Duration.ZERO).validate(chain)).getMessage());
    }

    @Test
    void anotherCaOrAServerCertificateIsRefused() throws Exception {
        CertificateAuthority other = CertificateAuthority.generate("other", Duration.ofDays(10),
                Clock.fixed(ISSUED, ZoneOffset.UTC), random);
        X509Certificate foreign = other.issueAgent(CertificateAuthority.newKeyPair(random).getPublic(),
                new AgentIdentity("acme", "a-0123456789abcdef"), "outpost.local", Duration.ofHours(24));
        assertThrows(CertificateException.class,
                () -> at(ISSUED.plus(Duration.ofHours(1)), Duration.ofDays(7)).validate(new X509Certificate[] {foreign}));
        X509Certificate server = ca.issueServer(CertificateAuthority.newKeyPair(random).getPublic(), List.of("gw"),
                Duration.ofDays(1));
        assertEquals("client certificate is not for clientAuth", assertThrows(CertificateException.class,
                () -> at(ISSUED, Duration.ofDays(7)).validate(new X509Certificate[] {server})).getMessage());
    }
}
