package dev.outpost.gateway.ca;

import dev.outpost.wire.EcKeys;
import java.math.BigInteger;
import java.security.GeneralSecurityException;
import java.security.KeyPair;
import java.security.PrivateKey;
import java.security.PublicKey;
import java.security.SecureRandom;
import java.security.cert.X509Certificate;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Date;
import java.util.List;
import java.util.Objects;
import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.asn1.x500.X500NameBuilder;
import org.bouncycastle.asn1.x500.style.BCStyle;
import org.bouncycastle.asn1.x509.AuthorityKeyIdentifier;
import org.bouncycastle.asn1.x509.BasicConstraints;
import org.bouncycastle.asn1.x509.ExtendedKeyUsage;
import org.bouncycastle.asn1.x509.Extension;
import org.bouncycastle.asn1.x509.GeneralName;
import org.bouncycastle.asn1.x509.GeneralNames;
import org.bouncycastle.asn1.x509.KeyPurposeId;
import org.bouncycastle.asn1.x509.KeyUsage;
import org.bouncycastle.cert.CertIOException;
import org.bouncycastle.cert.X509v3CertificateBuilder;
import org.bouncycastle.cert.jcajce.JcaX509CertificateConverter;
import org.bouncycastle.cert.jcajce.JcaX509ExtensionUtils;
import org.bouncycastle.cert.jcajce.JcaX509v3CertificateBuilder;
import org.bouncycastle.operator.OperatorCreationException;
import org.bouncycastle.operator.jcajce.JcaContentSignerBuilder;

/**
 * Outpost's built-in CA: an EC P-256 root that issues 24-hour agent client certificates and the gateway's
 * server certificate. The profile is fixed by DESIGN.md (back-dated 5 minutes, SPIFFE URI SAN, one EKU).
 */
public final class CertificateAuthority {
    /**
     * notBefore is back-dated by this much so that agents with a slightly slow clock accept the certificate; by a
     * tenth of the validity for shorter lifetimes (tests), so that renewing at half the lifetime stays after issue.
     */
    public static final Duration BACKDATE = Duration.ofMinutes(5);
    private static final String SIGNATURE = "SHA256withECDSA";
    private final X509Certificate certificate;
    private final PrivateKey privateKey;
    private final Clock clock;
    private final SecureRandom random;
    /** The issuer name and authority key identifier of every certificate this CA issues, made once. */
    private final X500Name issuer;
    private final AuthorityKeyIdentifier authorityKeyIdentifier;

    public CertificateAuthority(X509Certificate certificate, PrivateKey privateKey, Clock clock, SecureRandom random) {
        this.certificate = Objects.requireNonNull(certificate, "certificate");
        this.privateKey = Objects.requireNonNull(privateKey, "privateKey");
        this.clock = Objects.requireNonNull(clock, "clock");
        this.random = Objects.requireNonNull(random, "random");
        this.issuer = X500Name.getInstance(certificate.getSubjectX500Principal().getEncoded());
        try {
            this.authorityKeyIdentifier = new JcaX509ExtensionUtils().createAuthorityKeyIdentifier(certificate);
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("cannot identify the CA key of " + certificate.getSubjectX500Principal(), e);
        }
    }

    /** Generates a new self-signed root valid for {@code validity}. */
    public static CertificateAuthority generate(String commonName, Duration validity, Clock clock, SecureRandom random) {
        KeyPair kp = newKeyPair(random);
        Instant now = clock.instant();
        X500Name name = new X500NameBuilder(BCStyle.INSTANCE).addRDN(BCStyle.O, "Outpost")
                .addRDN(BCStyle.CN, commonName).build();
        try {
            JcaX509ExtensionUtils ext = new JcaX509ExtensionUtils();
            X509v3CertificateBuilder b = new JcaX509v3CertificateBuilder(name, serial(random),
                    Date.from(now.minus(BACKDATE)), Date.from(now.plus(validity)), name, kp.getPublic())
                    .addExtension(Extension.basicConstraints, true, new BasicConstraints(0))
                    .addExtension(Extension.keyUsage, true, new KeyUsage(KeyUsage.keyCertSign | KeyUsage.cRLSign))
                    .addExtension(Extension.subjectKeyIdentifier, false, ext.createSubjectKeyIdentifier(kp.getPublic()));
            X509Certificate cert = sign(b, kp.getPrivate());
            return new CertificateAuthority(cert, kp.getPrivate(), clock, random);
        } catch (GeneralSecurityException | CertIOException e) {
            throw new IllegalStateException("could not create the CA certificate", e);
        }
    }

    /** A new EC P-256 key pair. */
    public static KeyPair newKeyPair(SecureRandom random) {
        return EcKeys.generate(random);
    }

    public X509Certificate certificate() {
        return certificate;
    }

    PrivateKey privateKey() {
        return privateKey;
    }

    /** An agent client certificate: CN=agent id, O=org, SPIFFE URI SAN, clientAuth only, CA:false. */
    public X509Certificate issueAgent(PublicKey key, AgentIdentity id, String trustDomain, Duration validity) {
        X500Name subject = new X500NameBuilder(BCStyle.INSTANCE).addRDN(BCStyle.O, id.org())
                .addRDN(BCStyle.CN, id.agentId()).build();
        GeneralNames san = new GeneralNames(new GeneralName(GeneralName.uniformResourceIdentifier,
                id.spiffeId(trustDomain)));
        return issue(key, subject, san, KeyPurposeId.id_kp_clientAuth, validity);
    }

    /** The gateway's server certificate for the given DNS names and IP addresses. */
    public X509Certificate issueServer(PublicKey key, List<String> hostnames, Duration validity) {
        if (hostnames.isEmpty()) {
            throw new IllegalArgumentException("server certificate needs at least one hostname or IP address");
        }
        List<GeneralName> names = new ArrayList<>();
        for (String h : hostnames) {
            boolean ip = h.matches("[0-9.]+") || h.contains(":");
            names.add(new GeneralName(ip ? GeneralName.iPAddress : GeneralName.dNSName, h));
        }
        X500Name subject = new X500NameBuilder(BCStyle.INSTANCE).addRDN(BCStyle.O, "Outpost")
                .addRDN(BCStyle.CN, hostnames.get(0)).build();
        return issue(key, subject, new GeneralNames(names.toArray(GeneralName[]::new)),
                KeyPurposeId.id_kp_serverAuth, validity);
    }

    /**
     * A link certificate (RFC 4210 section 4.4, RFC 7030 section 4.1.3): {@code other}'s subject and key, certified
     * by this CA, valid while both are. With the next CA certified by the current one ("NewWithOld"), a client that
     * trusts only the current CA can verify what the next one issued; the other way round ("OldWithNew") likewise.
     */
    public X509Certificate certifyCa(X509Certificate other) {
        Instant now = clock.instant();
        Instant notAfter = other.getNotAfter().before(certificate.getNotAfter()) ? other.getNotAfter().toInstant()
                : certificate.getNotAfter().toInstant();
        try {
            JcaX509ExtensionUtils ext = new JcaX509ExtensionUtils();
            X509v3CertificateBuilder b = new JcaX509v3CertificateBuilder(certificate, serial(random),
                    Date.from(now.minus(BACKDATE)), Date.from(notAfter), other.getSubjectX500Principal(),
                    other.getPublicKey())
                    .addExtension(Extension.basicConstraints, true, new BasicConstraints(0))
                    .addExtension(Extension.keyUsage, true, new KeyUsage(KeyUsage.keyCertSign | KeyUsage.cRLSign))
                    .addExtension(Extension.subjectKeyIdentifier, false,
                            ext.createSubjectKeyIdentifier(other.getPublicKey()))
                    .addExtension(Extension.authorityKeyIdentifier, false,
                            ext.createAuthorityKeyIdentifier(certificate));
            return sign(b, privateKey);
        } catch (GeneralSecurityException | CertIOException e) {
            throw new IllegalStateException("could not certify " + other.getSubjectX500Principal(), e);
        }
    }

    static Duration backdate(Duration validity) {
        Duration tenth = validity.dividedBy(10);
        return tenth.compareTo(BACKDATE) < 0 ? tenth : BACKDATE;
    }

    private X509Certificate issue(PublicKey key, X500Name subject, GeneralNames san, KeyPurposeId eku,
            Duration validity) {
        Instant now = clock.instant();
        Instant notAfter = now.plus(validity);
        if (notAfter.isAfter(certificate.getNotAfter().toInstant())) {
            notAfter = certificate.getNotAfter().toInstant();
        }
        try {
            JcaX509ExtensionUtils ext = new JcaX509ExtensionUtils();
            X509v3CertificateBuilder b = new JcaX509v3CertificateBuilder(issuer, serial(random),
                    Date.from(now.minus(backdate(validity))), Date.from(notAfter), subject, key)
                    .addExtension(Extension.basicConstraints, true, new BasicConstraints(false))
                    .addExtension(Extension.keyUsage, true, new KeyUsage(KeyUsage.digitalSignature))
                    .addExtension(Extension.extendedKeyUsage, false, new ExtendedKeyUsage(eku))
                    .addExtension(Extension.subjectAlternativeName, false, san)
                    .addExtension(Extension.subjectKeyIdentifier, false, ext.createSubjectKeyIdentifier(key))
                    .addExtension(Extension.authorityKeyIdentifier, false, authorityKeyIdentifier);
            return sign(b, privateKey);
        } catch (GeneralSecurityException | CertIOException e) {
            throw new IllegalStateException("could not issue a certificate for " + subject, e);
        }
    }

    private static X509Certificate sign(X509v3CertificateBuilder b, PrivateKey signer) throws GeneralSecurityException {
        try {
            return new JcaX509CertificateConverter().getCertificate(
                    b.build(new JcaContentSignerBuilder(SIGNATURE).build(signer)));
        } catch (OperatorCreationException e) {
            throw new GeneralSecurityException("signer unavailable", e);
        }
    }

    private static BigInteger serial(SecureRandom random) {
        byte[] bytes = new byte[16];
        random.nextBytes(bytes);
        bytes[0] &= 0x7f; // positive, at most 16 octets (RFC 5280 allows 20)
        return new BigInteger(1, bytes).max(BigInteger.ONE);
    }
}
