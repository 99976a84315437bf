package dev.outpost.gateway;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.outpost.gateway.ca.CertificateAuthority;
import dev.outpost.gateway.store.Database;
import dev.outpost.gateway.store.Enrollments;
import dev.outpost.gateway.store.TokenHasher;
import dev.outpost.wire.CaPin;
import dev.outpost.wire.EnrollmentToken;
import java.nio.file.Path;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.KeyStore;
import java.security.SecureRandom;
import java.security.cert.Certificate;
import java.security.cert.X509Certificate;
import java.security.spec.ECGenParameterSpec;
import java.security.spec.RSAKeyGenParameterSpec;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.TrustManagerFactory;
import javax.net.ssl.X509TrustManager;
import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.asn1.x9.X9ObjectIdentifiers;
import org.bouncycastle.cert.X509CertificateHolder;
import org.bouncycastle.cert.jcajce.JcaX509CertificateConverter;
import org.bouncycastle.est.ESTException;
import org.bouncycastle.est.ESTService;
import org.bouncycastle.est.HttpAuth;
import org.bouncycastle.est.jcajce.JcaHttpAuthBuilder;
import org.bouncycastle.est.jcajce.JcaJceUtils;
import org.bouncycastle.est.jcajce.JsseESTServiceBuilder;
import org.bouncycastle.operator.jcajce.JcaContentSignerBuilder;
import org.bouncycastle.pkcs.PKCS10CertificationRequest;
import org.bouncycastle.pkcs.jcajce.JcaPKCS10CertificationRequestBuilder;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Bouncy Castle's EST client ({@code org.bouncycastle.est}), an implementation independent of Outpost's agent,
 * against the real EST listener: bootstrap (cacerts without trust, checked against the pin), csrattrs, simpleenroll
 * answering the 401 challenge with Basic credentials, simplereenroll with a new key; and, on a gateway that allows
 * them, an RSA key and renewal with the same key.
 */
class BouncyCastleEstClientTest {
    final Clock clock = Clock.systemUTC();
    final SecureRandom random = new SecureRandom();
    @TempDir
    Path root;
    CertificateAuthority ca;
    GatewayRuntime gateway;

    void start(Map<String, String> settings) throws Exception {
        ca = TestGatewayDir.createCa(root, clock, random);
        gateway = TestGatewayDir.serve(root, settings, clock);
    }

    @AfterEach
    void stop() {
        if (gateway != null) {
            gateway.close();
        }
    }

    EnrollmentToken token() throws Exception {
        try (Database db = Database.open(root.resolve("state.db"))) {
            return new Enrollments(db, TokenHasher.loadOrCreate(root.resolve("token-pepper"), random), clock, random)
                    .createToken("iot", 5, Duration.ofHours(1));
        }
    }

    String server() {
        return "127.0.0.1:" + gateway.estAddress().getPort();
    }

    /** The client after bootstrap: trusting the CA of cacerts that has the pin, presenting {@code key}'s cert. */
    ESTService est(X509Certificate trusted, KeyPair key, X509Certificate cert) throws Exception {
        KeyStore anchors = KeyStore.getInstance("PKCS12");
        anchors.load(null, null);
        anchors.setCertificateEntry("ca", trusted);
        TrustManagerFactory tmf = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
        tmf.init(anchors);
        JsseESTServiceBuilder b = new JsseESTServiceBuilder(server(), (X509TrustManager) tmf.getTrustManagers()[0]);
        if (cert != null) {
            KeyStore ks = KeyStore.getInstance("PKCS12");
            ks.load(null, null);
            ks.setKeyEntry("client", key.getPrivate(), "t".toCharArray(), new Certificate[] {cert});
            KeyManagerFactory kmf = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
            kmf.init(ks, "t".toCharArray());
            b.withKeyManagers(kmf.getKeyManagers());
        }
        return b.build();
    }

    X509Certificate bootstrap() throws Exception {
        ESTService untrusted = new JsseESTServiceBuilder(server(), JcaJceUtils.getTrustAllTrustManager()).build();
        var response = untrusted.getCACerts();
        assertFalse(response.isTrusted(), "fetched without trust (RFC 7030 section 4.1.1)");
        JcaX509CertificateConverter converter = new JcaX509CertificateConverter();
        for (X509CertificateHolder h : ESTService.storeToArray(response.getCertificateStore())) {
            X509Certificate c = converter.getCertificate(h);
            if (CaPin.of(ca.certificate()).matches(c)) {
                return c;
            }
        }
        throw new AssertionError("no CA with the pin in cacerts");
    }

    static KeyPair keyPair(String algorithm, java.security.spec.AlgorithmParameterSpec spec) throws Exception {
        KeyPairGenerator g = KeyPairGenerator.getInstance(algorithm);
        g.initialize(spec);
        return g.generateKeyPair();
    }

    static PKCS10CertificationRequest csr(KeyPair kp, String subject, String signature) throws Exception {
        return new JcaPKCS10CertificationRequestBuilder(new X500Name(subject), kp.getPublic())
                .build(new JcaContentSignerBuilder(signature).build(kp.getPrivate()));
    }

    static X509Certificate issued(org.bouncycastle.est.EnrollmentResponse r) throws Exception {
        return new JcaX509CertificateConverter().getCertificate(ESTService.storeToArray(r.getStore())[0]);
    }

    HttpAuth basic(EnrollmentToken t) throws Exception {
        return new JcaHttpAuthBuilder("opt_" + t.id(), t.secret().toCharArray()).setNonceGenerator(random).build();
    }

    @Test
    void enrollsAndRekeysLikeAnyEstClient() throws Exception {
        start(Map.of());
        X509Certificate trusted = bootstrap();
        ESTService est = est(trusted, null, null);
        var attrs = est.getCSRAttributes().getAttributesResponse();
        assertTrue(attrs.hasRequirement(X9ObjectIdentifiers.ecdsa_with_SHA256), "sign with ECDSA and SHA-256");
        assertTrue(attrs.isAttribute(X9ObjectIdentifiers.id_ecPublicKey), "with an EC key");

        EnrollmentToken t = token();
        KeyPair first = keyPair("EC", new ECGenParameterSpec("secp256r1"));
        X509Certificate cert = issued(est.simpleEnroll(false, csr(first, "CN=sensor-7", "SHA256withECDSA"), basic(t)));
        cert.verify(ca.certificate().getPublicKey());
        assertEquals(first.getPublic(), cert.getPublicKey());
        assertTrue(cert.getSubjectX500Principal().getName().matches("CN=a-[0-9a-f]{16},O=iot"));

        KeyPair rsa = keyPair("RSA", new RSAKeyGenParameterSpec(3072, RSAKeyGenParameterSpec.F4));
        ESTException refused = assertThrows(ESTException.class,
                () -> est.simpleEnroll(false, csr(rsa, "CN=sensor-8", "SHA256withRSA"), basic(t)));
        assertEquals(400, refused.getStatusCode());

        ESTService authenticated = est(trusted, first, cert);
        KeyPair second = keyPair("EC", new ECGenParameterSpec("secp384r1"));
        String subject = cert.getSubjectX500Principal().getName();
        X509Certificate renewed = issued(authenticated.simpleEnroll(true, csr(second, subject, "SHA384withECDSA"),
                null));
        assertEquals(second.getPublic(), renewed.getPublicKey(), "rekeyed, to a P-384 key");
        assertEquals(cert.getSubjectX500Principal(), renewed.getSubjectX500Principal());
        assertNotEquals(cert.getSerialNumber(), renewed.getSerialNumber());

        ESTService current = est(trusted, second, renewed);
        ESTException sameKey = assertThrows(ESTException.class,
                () -> current.simpleEnroll(true, csr(second, subject, "SHA384withECDSA"), null));
        assertEquals(400, sameKey.getStatusCode(), "same-key renewal is refused by default");
    }

    @Test
    void aGatewayThatAllowsThemCertifiesRsaAndRenewsWithTheSameKey() throws Exception {
        start(Map.of("OUTPOST_GATEWAY_CA_KEY_TYPES", "ec-p256,rsa", "OUTPOST_GATEWAY_CA_SAME_KEY_RENEWAL", "allow"));
        X509Certificate trusted = bootstrap();
        EnrollmentToken t = token();
        KeyPair rsa = keyPair("RSA", new RSAKeyGenParameterSpec(3072, RSAKeyGenParameterSpec.F4));
        X509Certificate cert = issued(est(trusted, null, null).simpleEnroll(false,
                csr(rsa, "CN=plc-1", "SHA256withRSA"), basic(t)));
        assertEquals(rsa.getPublic(), cert.getPublicKey());

        X509Certificate renewed = issued(est(trusted, rsa, cert).simpleEnroll(true,
                csr(rsa, cert.getSubjectX500Principal().getName(), "SHA256withRSA"), null));
        assertEquals(rsa.getPublic(), renewed.getPublicKey(), "the same key, as this client can only do");
        assertNotEquals(cert.getSerialNumber(), renewed.getSerialNumber());
    }
}
