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

    GraceTrustManager at(Instant now) {
        return new GraceTrustManager(() -> java.util.List.of(ca.certificate()), Clock.fixed(now, ZoneOffset.UTC));
    }

    @Test
    void validAndExpiredCertificatesOfTheCaAreAdmittedSoThatRenewalCanAnswerThem() throws Exception {
        X509Certificate[] chain = {agent};
        at(ISSUED.plus(Duration.ofHours(1))).validate(chain);
        at(ISSUED.plus(Duration.ofDays(6))).validate(chain);   // expired 5 days ago: renewed within the grace
        at(ISSUED.plus(Duration.ofDays(90))).validate(chain);  // long expired: simplereenroll answers 403, saying why
    }

    @Test
    void anotherCaOrAServerCertificateIsRefused() throws Exception {
        CertificateAuthority other = CertificateAuthority.generate("other", Duration.ofDays(10),
                Clock.fixed(ISSUED, ZoneOffset.UTC), random);
        X509Certificate foreign = other.issueAgent(CertificateAuthority.newKeyPair(random).getPublic(),
                new AgentIdentity("acme", "a-0123456789abcdef"), "outpost.local", Duration.ofHours(24));
        assertThrows(CertificateException.class,
                () -> at(ISSUED.plus(Duration.ofHours(1))).validate(new X509Certificate[] {foreign}));
        X509Certificate server = ca.issueServer(CertificateAuthority.newKeyPair(random).getPublic(), List.of("gw"),
                Duration.ofDays(1));
        assertEquals("client certificate is not for clientAuth", assertThrows(CertificateException.class,
                () -> at(ISSUED).validate(new X509Certificate[] {server})).getMessage());
    }
}
