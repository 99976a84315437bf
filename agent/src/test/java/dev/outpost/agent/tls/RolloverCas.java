package dev.outpost.agent.tls;

import dev.outpost.wire.EcKeys;
import java.math.BigInteger;
import java.security.KeyPair;
import java.security.SecureRandom;
import java.security.cert.X509Certificate;
import java.time.Instant;
import java.util.Date;
import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.asn1.x509.BasicConstraints;
import org.bouncycastle.asn1.x509.Extension;
import org.bouncycastle.asn1.x509.GeneralName;
import org.bouncycastle.asn1.x509.GeneralNames;
import org.bouncycastle.cert.jcajce.JcaX509CertificateConverter;
import org.bouncycastle.cert.jcajce.JcaX509v3CertificateBuilder;
import org.bouncycastle.operator.jcajce.JcaContentSignerBuilder;

/**
 * Two CAs of a rollover made in the test, as the gateway makes them: an old and a new root, the link certificates
 * between them (each CA's name and key certified by the other) and server certificates for 127.0.0.1.
 */
final class RolloverCas {
    static final Instant FROM = Instant.parse("2026-01-01T00:00:00Z");
    static final Instant UNTIL = FROM.plusSeconds(3650L * 86400);
    final KeyPair oldKey = EcKeys.generate(new SecureRandom());
    final KeyPair newKey = EcKeys.generate(new SecureRandom());
    final X509Certificate old;
    final X509Certificate fresh;
    /** The new CA certified by the old one. */
    final X509Certificate newWithOld;
    /** The old CA certified by the new one. */
    final X509Certificate oldWithNew;
    private long serial = 100;

    RolloverCas() throws Exception {
        old = ca(new X500Name("O=Outpost,CN=Outpost CA 2026-01-01"), oldKey, new X500Name(
                "O=Outpost,CN=Outpost CA 2026-01-01"), oldKey, UNTIL);
        fresh = ca(new X500Name("O=Outpost,CN=Outpost CA 2026-06-01 1a2b3c4d"), newKey,
                new X500Name("O=Outpost,CN=Outpost CA 2026-06-01 1a2b3c4d"), newKey, UNTIL);
        newWithOld = ca(X500Name.getInstance(fresh.getSubjectX500Principal().getEncoded()), newKey,
                X500Name.getInstance(old.getSubjectX500Principal().getEncoded()), oldKey, UNTIL);
        oldWithNew = ca(X500Name.getInstance(old.getSubjectX500Principal().getEncoded()), oldKey,
                X500Name.getInstance(fresh.getSubjectX500Principal().getEncoded()), newKey, UNTIL);
    }

    /** A CA certificate for {@code subject}'s key, signed by {@code issuerKey}, valid until {@code until}. */
    X509Certificate ca(X500Name subject, KeyPair subjectKey, X500Name issuer, KeyPair issuerKey, Instant until)
            throws Exception {
        return new JcaX509CertificateConverter().getCertificate(new JcaX509v3CertificateBuilder(issuer,
                BigInteger.valueOf(serial++), Date.from(FROM), Date.from(until), subject, subjectKey.getPublic())
                .addExtension(Extension.basicConstraints, true, new BasicConstraints(0))
                .build(new JcaContentSignerBuilder("SHA256withECDSA").build(issuerKey.getPrivate())));
    }

    /**
     * A server certificate for {@code name} (an IP address or a DNS name, as its one subject alternative name) issued
     * by {@code issuer} ({@link #old} or {@link #fresh}).
     */
    X509Certificate server(KeyPair serverKey, X509Certificate issuer, String name) throws Exception {
        KeyPair signer = issuer == old ? oldKey : newKey;
        return new JcaX509CertificateConverter().getCertificate(new JcaX509v3CertificateBuilder(issuer,
                BigInteger.valueOf(serial++), Date.from(FROM), Date.from(UNTIL), new X500Name("O=Outpost,CN=" + name),
                serverKey.getPublic())
                .addExtension(Extension.subjectAlternativeName, false,
                        new GeneralNames(new GeneralName(name.matches("[0-9.]+") || name.contains(":")
                                ? GeneralName.iPAddress : GeneralName.dNSName, name)))
                .build(new JcaContentSignerBuilder("SHA256withECDSA").build(signer.getPrivate())));
    }
}
