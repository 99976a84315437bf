package dev.outpost.agent.tls;

import static org.junit.jupiter.api.Assertions.assertDoesNotThrow;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.outpost.wire.EcKeys;
import java.math.BigInteger;
import java.security.KeyPair;
import java.security.SecureRandom;
import java.security.cert.CertificateException;
import java.security.cert.X509Certificate;
import java.time.Instant;
import java.util.Date;
import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.asn1.x509.Extension;
import org.bouncycastle.asn1.x509.GeneralName;
import org.bouncycastle.asn1.x509.GeneralNames;
import org.bouncycastle.cert.jcajce.JcaX509CertificateConverter;
import org.bouncycastle.cert.jcajce.JcaX509v3CertificateBuilder;
import org.bouncycastle.operator.jcajce.JcaContentSignerBuilder;
import org.junit.jupiter.api.Test;

/**
 * The agent verifies the gateway's host name itself (the JDK's check is off, see {@link ClientTls#layer}): the rules
 * of RFC 6125 for the names a certificate may carry, each shown to refuse what it must. The handshakes that use it are
 * in {@link BundleTrustTlsTest} (a certificate for another address is refused) and {@code EnrollRefusalTest}.
 */
class HostnameVerificationTest {
    private static final KeyPair KEY = EcKeys.generate(new SecureRandom());

    /** A certificate with subject {@code subject} and the given subject alternative names (none: no extension). */
    private static X509Certificate cert(String subject, GeneralName... sans) throws Exception {
        Instant now = Instant.parse("2026-01-01T00:00:00Z");
        JcaX509v3CertificateBuilder b = new JcaX509v3CertificateBuilder(new X500Name(subject), BigInteger.TEN,
                Date.from(now), Date.from(now.plusSeconds(86400)), new X500Name(subject), KEY.getPublic());
        if (sans.length > 0) {
            b.addExtension(Extension.subjectAlternativeName, false, new GeneralNames(sans));
        }
        return new JcaX509CertificateConverter().getCertificate(
                b.build(new JcaContentSignerBuilder("SHA256withECDSA").build(KEY.getPrivate())));
    }

    private static GeneralName dns(String name) {
        return new GeneralName(GeneralName.dNSName, name);
    }

    private static GeneralName ip(String address) {
        return new GeneralName(GeneralName.iPAddress, address);
    }

    private static void accepted(X509Certificate cert, String host) {
        assertDoesNotThrow(() -> HostnameMismatchException.verify(cert, host, 8443), host);
    }

    private static HostnameMismatchException refused(X509Certificate cert, String host) {
        return assertThrows(HostnameMismatchException.class, () -> HostnameMismatchException.verify(cert, host, 8443),
                host);
    }

    @Test
    void anAddressMatchesTheSameAddressInAnyOfItsSpellings() throws Exception {
        X509Certificate c = cert("CN=gw", ip("127.0.0.1"), ip("::1"));
        accepted(c, "127.0.0.1");
        accepted(c, "::1");
        accepted(c, "[::1]");
        accepted(c, "0:0:0:0:0:0:0:1");
        refused(c, "127.0.0.2");
        refused(c, "::2");
    }

    @Test
    void anAddressNeverMatchesADnsNameOrTheCommonName() throws Exception {
        refused(cert("CN=127.0.0.1", dns("127.0.0.1")), "127.0.0.1");
        refused(cert("CN=127.0.0.1"), "127.0.0.1");
    }

    @Test
    void aDnsNameMatchesIgnoringCaseButNeverAnAddressName() throws Exception {
        X509Certificate c = cert("CN=gw", dns("Gateway.Example.com"), ip("10.0.0.1"));
        accepted(c, "gateway.example.COM");
        refused(c, "gateway.example.org");
        refused(c, "example.com");
        refused(c, "10.0.0.1.example.com");
    }

    @Test
    void aWildcardIsOneWholeLeftmostLabelUnderAtLeastTwoLabels() throws Exception {
        accepted(cert("CN=gw", dns("*.example.com")), "gw.example.com");
        refused(cert("CN=gw", dns("*.example.com")), "example.com");
        refused(cert("CN=gw", dns("*.example.com")), "a.gw.example.com");
        refused(cert("CN=gw", dns("*.example.com")), ".example.com");
        refused(cert("CN=gw", dns("*.com")), "example.com");
        refused(cert("CN=gw", dns("gw*.example.com")), "gw1.example.com");
        refused(cert("CN=gw", dns("*.*.example.com")), "a.b.example.com");
        refused(cert("CN=gw", dns("*")), "localhost");
    }

    @Test
    void theCommonNameIsNeverMatchedOnlyShown() throws Exception {
        HostnameMismatchException e = refused(cert("O=Outpost,CN=gw.example.com"), "gw.example.com");
        assertTrue(e.getMessage().startsWith("the gateway's certificate is for CN=gw.example.com, not for "
                + "gw.example.com, the host this agent was given; "), e.getMessage());
    }

    @Test
    void theRefusalNamesTheHostExpectedAndTheNamesFound() throws Exception {
        HostnameMismatchException e = refused(cert("CN=gw", dns("gw.example.com"), ip("10.0.0.9")), "127.0.0.1");
        assertEquals("the gateway's certificate is for gw.example.com, 10.0.0.9, not for 127.0.0.1, the host this "
                + "agent was given; give it a name the certificate has (e.g. --server https://gw.example.com:8443), or "
                + "add 127.0.0.1 to server_cert.hostnames in the gateway's gateway.yaml and restart the gateway",
                e.getMessage());
    }

    @Test
    void aConnectionWithoutAHostIsRefused() throws Exception {
        X509Certificate c = cert("CN=gw", ip("127.0.0.1"));
        CertificateException e = assertThrows(CertificateException.class,
                () -> HostnameMismatchException.verify(c, null, -1));
        assertTrue(e.getMessage().contains("no host name"), e.getMessage());
        assertThrows(CertificateException.class, () -> HostnameMismatchException.verify(c, "", -1));
    }
}
