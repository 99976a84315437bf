package dev.outpost.agent.tls;

import dev.outpost.wire.EcKeys;
import java.math.BigInteger;
import java.security.KeyPair;
import java.security.PublicKey;
import java.security.SecureRandom;
import java.security.cert.X509Certificate;
import java.time.Instant;
import java.util.Arrays;
import java.util.Date;
import java.util.List;
import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.asn1.x509.BasicConstraints;
import org.bouncycastle.asn1.x509.ExtendedKeyUsage;
import org.bouncycastle.asn1.x509.Extension;
import org.bouncycastle.asn1.x509.GeneralName;
import org.bouncycastle.asn1.x509.GeneralNames;
import org.bouncycastle.asn1.x509.KeyPurposeId;
import org.bouncycastle.cert.jcajce.JcaX509CertificateConverter;
import org.bouncycastle.cert.jcajce.JcaX509v3CertificateBuilder;
import org.bouncycastle.operator.jcajce.JcaContentSignerBuilder;

/** A CA made in the test (no key material checked in) that issues agent certificates for given validity windows. */
public final class TestCa {
    private final KeyPair key;
    private final X509Certificate cert;
    private long serial = 0x1000;

    public TestCa() throws Exception {
        key = EcKeys.generate(new SecureRandom());
        Instant now = Instant.parse("2026-01-01T00:00:00Z");
        X500Name name = new X500Name("O=Outpost,CN=Test CA");
        cert = new JcaX509CertificateConverter().getCertificate(new JcaX509v3CertificateBuilder(name,
                BigInteger.ONE, Date.from(now), Date.from(now.plusSeconds(3650L * 86400)), name, key.getPublic())
                .addExtension(Extension.basicConstraints, true, new BasicConstraints(0))
                .build(new JcaContentSignerBuilder("SHA256withECDSA").build(key.getPrivate())));
    }

    public X509Certificate certificate() {
        return cert;
    }

    /** An agent certificate for {@code pub}, {@code CN=agent, O=org}, valid from {@code notBefore} to {@code notAfter}. */
    public X509Certificate issue(PublicKey pub, String agent, String org, Instant notBefore, Instant notAfter)
            throws Exception {
        return new JcaX509CertificateConverter().getCertificate(new JcaX509v3CertificateBuilder(cert,
                BigInteger.valueOf(serial++), Date.from(notBefore), Date.from(notAfter),
                new X500Name("O=" + org + ",CN=" + agent), pub)
                .build(new JcaContentSignerBuilder("SHA256withECDSA").build(key.getPrivate())));
    }

    /**
     * A server certificate with a new key for {@code names} (IP addresses or DNS names, as subject alternative
     * names), so that a test server can be reached over TLS with the host name verified.
     */
    public Credentials server(String... names) throws Exception {
        KeyPair kp = EcKeys.generate(new SecureRandom());
        Instant now = Instant.parse("2026-01-01T00:00:00Z");
        GeneralName[] sans = Arrays.stream(names).map(n -> new GeneralName(
                n.matches("[0-9.]+") || n.contains(":") ? GeneralName.iPAddress : GeneralName.dNSName, n))
                .toArray(GeneralName[]::new);
        X509Certificate c = new JcaX509CertificateConverter().getCertificate(new JcaX509v3CertificateBuilder(cert,
                BigInteger.valueOf(serial++), Date.from(now), Date.from(now.plusSeconds(3650L * 86400)),
                new X500Name("CN=" + names[0]), kp.getPublic())
                .addExtension(Extension.subjectAlternativeName, false, new GeneralNames(sans))
                .addExtension(Extension.extendedKeyUsage, false, new ExtendedKeyUsage(KeyPurposeId.id_kp_serverAuth))
                .build(new JcaContentSignerBuilder("SHA256withECDSA").build(key.getPrivate())));
        return new Credentials(kp.getPrivate(), c, List.of(cert));
    }

    /** A server certificate for {@code pub} naming the IP address {@code ip}, valid from now on for a day. */
    public X509Certificate issueServer(PublicKey pub, String ip) throws Exception {
        Instant now = Instant.now();
        return new JcaX509CertificateConverter().getCertificate(new JcaX509v3CertificateBuilder(cert,
                BigInteger.valueOf(serial++), Date.from(now.minusSeconds(300)), Date.from(now.plusSeconds(86400)),
                new X500Name("O=Outpost,CN=" + ip), pub)
                .addExtension(Extension.subjectAlternativeName, false,
                        new GeneralNames(new GeneralName(GeneralName.iPAddress, ip)))
                .build(new JcaContentSignerBuilder("SHA256withECDSA").build(key.getPrivate())));
    }

    /** Credentials with a new key, issued by this CA. */
    public Credentials credentials(String agent, String org, Instant notBefore, Instant notAfter) throws Exception {
        KeyPair kp = EcKeys.generate(new SecureRandom());
        return new Credentials(kp.getPrivate(), issue(kp.getPublic(), agent, org, notBefore, notAfter), List.of(cert));
    }
}
