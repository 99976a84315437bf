package dev.outpost.agent.tls;

import dev.outpost.wire.CaPin;
import java.net.Socket;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.security.cert.CertificateException;
import java.security.cert.X509Certificate;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.TrustManagerFactory;
import javax.net.ssl.X509ExtendedTrustManager;

/**
 * First contact with a gateway, before any CA is trusted: the server's chain must contain a CA certificate
 * whose key has the pin given out of band, and the server certificate must validate (PKIX, hostname) against
 * that CA alone. Enrollment then takes the CA bundle from {@code cacerts} on that connection (see
 * {@link TrustBundle#pinned}).
 */
public final class PinnedCaTrustManager extends X509ExtendedTrustManager {
    private final CaPin pin;

    public PinnedCaTrustManager(CaPin pin) {
        this.pin = pin;
    }

    @Override
    public void checkServerTrusted(X509Certificate[] chain, String authType, SSLEngine engine)
            throws CertificateException {
        delegateFor(chain).checkServerTrusted(chain, authType, engine);
    }

    @Override
    public void checkServerTrusted(X509Certificate[] chain, String authType, Socket socket)
            throws CertificateException {
        delegateFor(chain).checkServerTrusted(chain, authType, socket);
    }

    @Override
    public void checkServerTrusted(X509Certificate[] chain, String authType) throws CertificateException {
        throw new CertificateException("hostname verification needs an SSLEngine");
    }

    private X509ExtendedTrustManager delegateFor(X509Certificate[] chain) throws CertificateException {
        for (X509Certificate c : chain) {
            if (c.getBasicConstraints() >= 0 && pin.matches(c)) {
                return trusting(c);
            }
        }
        throw new CertificateException("the server's CA does not match the pin " + pin
                + "; check the pin with `outpost-gateway pin` on the gateway, and that --server names that gateway");
    }

    static X509ExtendedTrustManager trusting(X509Certificate ca) throws CertificateException {
        try {
            KeyStore ks = KeyStore.getInstance(KeyStore.getDefaultType());
            ks.load(null, null);
            ks.setCertificateEntry("outpost-ca", ca);
            TrustManagerFactory tmf = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
            tmf.init(ks);
            return (X509ExtendedTrustManager) tmf.getTrustManagers()[0];
        } catch (GeneralSecurityException | java.io.IOException e) {
            throw new CertificateException("cannot build a trust manager for the pinned CA", e);
        }
    }

    @Override
    public void checkClientTrusted(X509Certificate[] chain, String authType, Socket socket)
            throws CertificateException {
        throw new CertificateException("the agent accepts no client connections");
    }

    @Override
    public void checkClientTrusted(X509Certificate[] chain, String authType, SSLEngine engine)
            throws CertificateException {
        throw new CertificateException("the agent accepts no client connections");
    }

    @Override
    public void checkClientTrusted(X509Certificate[] chain, String authType) throws CertificateException {
        throw new CertificateException("the agent accepts no client connections");
    }

    @Override
    public X509Certificate[] getAcceptedIssuers() {
        return new X509Certificate[0];
    }
}
