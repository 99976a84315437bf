package dev.outpost.gateway.ca;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.security.SecureRandom;
import java.security.cert.X509Certificate;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;
import org.junit.jupiter.api.Test;

class CertificateAuthorityTest {
    static final Instant NOW = Instant.parse("2026-11-22T10:00:00Z");
    static final Clock CLOCK = Clock.fixed(NOW, ZoneOffset.UTC);

    @Test
    void agentCertificateFollowsTheProfile() throws Exception {
        CertificateAuthority ca = CertificateAuthority.generate("Test CA", Duration.ofDays(3650), CLOCK, new SecureRandom());
        var kp = CertificateAuthority.newKeyPair(new SecureRandom());
        X509Certificate cert = ca.issueAgent(kp.getPublic(), new AgentIdentity("acme", "a-0123456789abcdef"),
                "outpost.local", Duration.ofHours(24));

        cert.verify(ca.certificate().getPublicKey());
        assertEquals(NOW.minus(Duration.ofMinutes(5)), cert.getNotBefore().toInstant());
        assertEquals(NOW.plus(Duration.ofHours(24)), cert.getNotAfter().toInstant());
        assertEquals("CN=a-0123456789abcdef,O=acme", cert.getSubjectX500Principal().getName());
        assertEquals(List.of(List.of(6, "spiffe://outpost.local/org/acme/agent/a-0123456789abcdef")),
                cert.getSubjectAlternativeNames().stream().map(l -> List.copyOf(l)).toList());
        assertEquals(List.of("1.3.6.1.5.5.7.3.2"), cert.getExtendedKeyUsage(), "clientAuth only");
        assertEquals(-1, cert.getBasicConstraints(), "CA:false");
        assertEquals(kp.getPublic(), cert.getPublicKey());
    }

    /**
     * The issuer name and authority key identifier are made once per CA: every certificate it issues, also after the
     * CA is loaded again from its certificate and key, names it by its subject's DER and its key's identifier.
     */
    @Test
    void issuedCertificatesNameTheirCaByItsSubjectAndKeyIdentifier() throws Exception {
        CertificateAuthority generated = CertificateAuthority.generate("Test CA", Duration.ofDays(3650), CLOCK,
                new SecureRandom());
        CertificateAuthority loaded = new CertificateAuthority(generated.certificate(), generated.privateKey(), CLOCK,
                new SecureRandom());
        byte[] caSki = org.bouncycastle.asn1.x509.SubjectKeyIdentifier.getInstance(
                org.bouncycastle.asn1.ASN1OctetString.getInstance(generated.certificate().getExtensionValue("2.5.29.14"))
                        .getOctets()).getKeyIdentifier();
        for (CertificateAuthority ca : List.of(generated, loaded, generated)) {
            for (X509Certificate cert : List.of(
                    ca.issueAgent(CertificateAuthority.newKeyPair(new SecureRandom()).getPublic(),
                            new AgentIdentity("acme", "a-0123456789abcdef"), "outpost.local", Duration.ofHours(24)),
                    ca.issueServer(CertificateAuthority.newKeyPair(new SecureRandom()).getPublic(),
                            List.of("gw.example.com"), Duration.ofDays(30)))) {
                cert.verify(generated.certificate().getPublicKey());
                org.junit.jupiter.api.Assertions.assertArrayEquals(
                        generated.certificate().getSubjectX500Principal().getEncoded(),
                        cert.getIssuerX500Principal().getEncoded());
                var aki = org.bouncycastle.asn1.x509.AuthorityKeyIdentifier.getInstance(
                        org.bouncycastle.asn1.ASN1OctetString.getInstance(cert.getExtensionValue("2.5.29.35"))
                                .getOctets());
                org.junit.jupiter.api.Assertions.assertArrayEquals(caSki, aki.getKeyIdentifier());
            }
        }
    }

    @Test
    void caIsAConstrainedRootAndServerCertNamesItsHosts() throws Exception {
        CertificateAuthority ca = CertificateAuthority.generate("Test CA", Duration.ofDays(3650), CLOCK, new SecureRandom());
        assertEquals(0, ca.certificate().getBasicConstraints());
        assertTrue(ca.certificate().getKeyUsage()[5], "keyCertSign");
        var kp = CertificateAuthority.newKeyPair(new SecureRandom());
        X509Certificate server = ca.issueServer(kp.getPublic(), List.of("gw.example.com", "127.0.0.1"),
                Duration.ofDays(30));
        assertEquals(List.of(List.of(2, "gw.example.com"), List.of(7, "127.0.0.1")),
                server.getSubjectAlternativeNames().stream().map(l -> List.copyOf(l)).toList());
        assertEquals(List.of("1.3.6.1.5.5.7.3.1"), server.getExtendedKeyUsage(), "serverAuth only");
    }

    @Test
    void certificatesNeverOutliveTheCa() throws Exception {
        CertificateAuthority ca = CertificateAuthority.generate("Short CA", Duration.ofHours(1), CLOCK, new SecureRandom());
        var kp = CertificateAuthority.newKeyPair(new SecureRandom());
        X509Certificate cert = ca.issueAgent(kp.getPublic(), new AgentIdentity("acme", "a-0123456789abcdef"),
                "outpost.local", Duration.ofHours(24));
        assertEquals(ca.certificate().getNotAfter(), cert.getNotAfter());
    }

    @Test
    void identityRejectsBadOrgNamingTheValue() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> new AgentIdentity("Acme Corp", "a-0123456789abcdef"));
        assertEquals("org \"Acme Corp\" is not valid; use 1-63 lowercase letters, digits, '.', '-' or '_', "
                + "starting with a letter or digit", e.getMessage());
    }
}
