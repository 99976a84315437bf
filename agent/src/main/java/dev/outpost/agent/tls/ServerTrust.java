package dev.outpost.agent.tls;

import java.net.Socket;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.security.cert.CertificateException;
import java.security.cert.X509Certificate;
import java.util.List;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.SSLSession;
import javax.net.ssl.SSLSocket;
import javax.net.ssl.TrustManagerFactory;
import javax.net.ssl.X509ExtendedTrustManager;

/**
 * What the agent's trust managers share: they check a gateway's chain through the JDK's PKIX trust manager for the
 * CAs they choose, then the host name themselves, and refuse every client (the agent accepts no connections).
 */
abstract class ServerTrust extends X509ExtendedTrustManager {
    /** The PKIX trust manager that is to validate {@code chain}, or why none may. */
    abstract X509ExtendedTrustManager delegateFor(X509Certificate[] chain) throws CertificateException;

    /** The JDK's PKIX trust manager for {@code cas} alone. */
    static X509ExtendedTrustManager pkix(List<X509Certificate> cas) throws CertificateException {
        try {
            KeyStore ks = KeyStore.getInstance(KeyStore.getDefaultType());
            ks.load(null, null);
            for (int i = 0; i < cas.size(); i++) {
                ks.setCertificateEntry("outpost-ca-" + i, cas.get(i));
            }
            TrustManagerFactory tmf = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
            tmf.init(ks);
            return (X509ExtendedTrustManager) tmf.getTrustManagers()[0];
        } catch (GeneralSecurityException | java.io.IOException e) {
            throw new CertificateException("cannot build a trust manager for the Outpost CA", e);
        }
    }

    /**
     * The chain is validated by the JDK's PKIX trust manager (with the connection's algorithm constraints; its
     * endpoint identification is off, see {@link ClientTls#layer}), then the server certificate must name the host
     * the connection was made for ({@link HostnameMismatchException#verify}): a refusal for another name says which
     * name was expected and which it has.
     */
    @Override
    public final void checkServerTrusted(X509Certificate[] chain, String authType, SSLEngine engine)
            throws CertificateException {
        delegateFor(chain).checkServerTrusted(chain, authType, engine);
        HostnameMismatchException.verify(chain[0], engine == null ? null : engine.getPeerHost(),
                engine == null ? -1 : engine.getPeerPort());
    }

    @Override
    public final void checkServerTrusted(X509Certificate[] chain, String authType, Socket socket)
            throws CertificateException {
        delegateFor(chain).checkServerTrusted(chain, authType, socket);
        SSLSession session = socket instanceof SSLSocket s ? s.getHandshakeSession() : null;
        HostnameMismatchException.verify(chain[0], session == null ? null : session.getPeerHost(),
                session == null ? -1 : session.getPeerPort());
    }

    @Override
    public final void checkServerTrusted(X509Certificate[] chain, String authType) throws CertificateException {
        throw new CertificateException("hostname verification needs an SSLSocket or SSLEngine");
    }

    @Override
    public final void checkClientTrusted(X509Certificate[] chain, String authType, Socket socket)
            throws CertificateException {
        throw new CertificateException("the agent accepts no client connections");
    }

    @Override
    public final void checkClientTrusted(X509Certificate[] chain, String authType, SSLEngine engine)
            throws CertificateException {
        throw new CertificateException("the agent accepts no client connections");
    }

    @Override
    public final void checkClientTrusted(X509Certificate[] chain, String authType) throws CertificateException {
        throw new CertificateException("the agent accepts no client connections");
    }

    @Override
    public X509Certificate[] getAcceptedIssuers() {
        return new X509Certificate[0];
    }
}
