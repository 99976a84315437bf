package dev.outpost.gateway;

import dev.outpost.gateway.ca.AgentIdentity;
import dev.outpost.gateway.ca.CertificateAuthority;
import java.net.InetSocketAddress;
import java.security.GeneralSecurityException;
import java.security.KeyPair;
import java.security.KeyStore;
import java.security.SecureRandom;
import java.security.cert.Certificate;
import java.security.cert.X509Certificate;
import java.time.Duration;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLParameters;
import javax.net.ssl.SSLSocket;
import javax.net.ssl.TrustManagerFactory;

/** The TLS client side of an enrolled agent in tests: a certificate from the test's CA, and trust in that CA only. */
public final class AgentTls {
    private AgentTls() {
    }

    /** A TLS 1.3 client context presenting a new certificate for {@code id}, valid for {@code validity}. */
    public static SSLContext context(CertificateAuthority ca, AgentIdentity id, Duration validity, SecureRandom random)
            throws GeneralSecurityException, java.io.IOException {
        KeyPair kp = CertificateAuthority.newKeyPair(random);
        X509Certificate cert = ca.issueAgent(kp.getPublic(), id, "outpost.local", validity);
        char[] pw = "test".toCharArray();
        KeyStore keys = KeyStore.getInstance("PKCS12");
        keys.load(null, null);
        keys.setKeyEntry("agent", kp.getPrivate(), pw, new Certificate[] {cert, ca.certificate()});
        KeyManagerFactory kmf = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
        kmf.init(keys, pw);
        KeyStore trust = KeyStore.getInstance("PKCS12");
        trust.load(null, null);
        trust.setCertificateEntry("ca", ca.certificate());
        TrustManagerFactory tmf = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
        tmf.init(trust);
        SSLContext ctx = SSLContext.getInstance("TLSv1.3");
        ctx.init(kmf.getKeyManagers(), tmf.getTrustManagers(), random);
        return ctx;
    }

    /** A connection to {@code at} after a completed handshake that verified the gateway's name, as an agent does. */
    public static SSLSocket connect(SSLContext ctx, InetSocketAddress at) throws java.io.IOException {
        SSLSocket s = (SSLSocket) ctx.getSocketFactory().createSocket(at.getAddress(), at.getPort());
        s.setSoTimeout(20_000); // a bound against hanging, not a timing assumption
        SSLParameters p = s.getSSLParameters();
        p.setEndpointIdentificationAlgorithm("HTTPS");
        s.setSSLParameters(p);
        s.startHandshake();
        return s;
    }
}
