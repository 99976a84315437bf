package dev.outpost.agent.enroll;

import dev.outpost.agent.tls.Credentials;
import dev.outpost.agent.tls.PinnedCaTrustManager;
import dev.outpost.agent.tls.TlsSettings;
import dev.outpost.agent.transport.HttpsClient;
import dev.outpost.wire.CaPin;
import dev.outpost.wire.EnrollmentToken;
import io.netty.channel.EventLoopGroup;
import io.netty.handler.ssl.SslContext;
import java.io.IOException;
import java.net.URI;
import java.security.GeneralSecurityException;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.SecureRandom;
import java.security.cert.X509Certificate;
import java.security.spec.ECGenParameterSpec;
import java.time.Duration;
import java.util.List;
import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.asn1.x500.X500NameBuilder;
import org.bouncycastle.asn1.x500.style.BCStyle;
import org.bouncycastle.operator.OperatorCreationException;
import org.bouncycastle.operator.jcajce.JcaContentSignerBuilder;
import org.bouncycastle.pkcs.jcajce.JcaPKCS10CertificationRequestBuilder;

/**
 * First enrollment: trusts the gateway only through the CA pin, generates an EC P-256 key on this host, sends
 * a CSR with the token, checks what comes back (our key, issued by the pinned CA) and returns the credentials.
 */
public final class Enroller {
    private final EventLoopGroup group;
    private final SecureRandom random;
    private final Duration timeout;

    public Enroller(EventLoopGroup group, SecureRandom random, Duration timeout) {
        this.group = group;
        this.random = random;
        this.timeout = timeout;
    }

    public Credentials enroll(URI server, CaPin pin, EnrollmentToken token, String hostname) throws IOException {
        PinnedCaTrustManager trust = new PinnedCaTrustManager(pin);
        SslContext ctx = TlsSettings.anonymous(trust);
        try (HttpsClient http = new HttpsClient(server, () -> ctx, group, timeout)) {
            EstClient est = new EstClient(http);
            List<X509Certificate> bundle = est.caCerts();
            if (bundle.stream().noneMatch(pin::matches)) {
                throw new IOException("the gateway's CA bundle does not contain the pinned CA " + pin
                        + "; check the pin with `outpost-gateway pin`");
            }
            KeyPair kp = newKeyPair();
            X509Certificate cert = est.simpleEnroll(csr(kp, hostname), token.id(), token.secret());
            check(cert, kp, trust.pinnedCa());
            return new Credentials(kp.getPrivate(), cert, bundle);
        }
    }

    private KeyPair newKeyPair() throws IOException {
        try {
            KeyPairGenerator gen = KeyPairGenerator.getInstance("EC");
            gen.initialize(new ECGenParameterSpec("secp256r1"), random);
            return gen.generateKeyPair();
        } catch (GeneralSecurityException e) {
            throw new IOException("this JVM cannot generate EC P-256 keys", e);
        }
    }

    static byte[] csr(KeyPair kp, String hostname) throws IOException {
        X500Name subject = new X500NameBuilder(BCStyle.INSTANCE).addRDN(BCStyle.CN, hostname).build();
        try {
            return new JcaPKCS10CertificationRequestBuilder(subject, kp.getPublic())
                    .build(new JcaContentSignerBuilder("SHA256withECDSA").build(kp.getPrivate())).getEncoded();
        } catch (OperatorCreationException e) {
            throw new IOException("cannot sign the CSR", e);
        }
    }

    private static void check(X509Certificate cert, KeyPair kp, X509Certificate ca) throws IOException {
        if (!cert.getPublicKey().equals(kp.getPublic())) {
            throw new IOException("the gateway returned a certificate for another key; refusing it");
        }
        try {
            cert.verify(ca.getPublicKey());
        } catch (GeneralSecurityException e) {
            throw new IOException("the returned certificate was not issued by the pinned CA; refusing it");
        }
    }
}
