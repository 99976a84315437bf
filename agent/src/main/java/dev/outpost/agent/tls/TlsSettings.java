package dev.outpost.agent.tls;

import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.security.PrivateKey;
import java.security.cert.X509Certificate;
import java.util.List;
import javax.net.ssl.KeyManager;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLException;
import javax.net.ssl.TrustManager;

/**
 * The agent's TLS client settings: TLS 1.3 (1.2 with AEAD suites only), the JDK's TLS ({@code SSLSocket}), hostname
 * verification, and trust in the pinned Outpost CA only — never the system trust store.
 */
public final class TlsSettings {
    public static final List<String> PROTOCOLS = List.of("TLSv1.3", "TLSv1.2");
    public static final List<String> CIPHERS = List.of(
            "TLS_AES_128_GCM_SHA256", "TLS_AES_256_GCM_SHA384", "TLS_CHACHA20_POLY1305_SHA256",
            "TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256", "TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384",
            "TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256");

    private TlsSettings() {
    }

    /** A client context presenting {@code key}/{@code chain} and trusting only {@code trustedCas}. */
    public static ClientTls client(PrivateKey key, List<X509Certificate> chain, List<X509Certificate> trustedCas)
            throws SSLException {
        BundleTrustManager trust;
        try {
            trust = new BundleTrustManager(trustedCas);
        } catch (java.security.cert.CertificateException e) {
            throw new SSLException(e.getMessage(), e);
        }
        try {
            KeyStore ks = KeyStore.getInstance("PKCS12");
            ks.load(null, null);
            char[] none = new char[0];
            ks.setKeyEntry("agent", key, none, chain.toArray(X509Certificate[]::new));
            KeyManagerFactory kmf = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
            kmf.init(ks, none);
            return build(kmf.getKeyManagers(), trust);
        } catch (GeneralSecurityException | java.io.IOException e) {
            throw new SSLException("cannot use the agent's key and certificate for TLS: " + e.getMessage(), e);
        }
    }

    /** Whether {@code failure} (or a cause) is a gateway whose chain leads to none of the trusted CAs. */
    public static boolean untrustedGateway(Throwable failure) {
        for (Throwable t = failure; t != null; t = t.getCause() == t ? null : t.getCause()) {
            if (t instanceof UntrustedGatewayException) {
                return true;
            }
        }
        return false;
    }

    /** A client context without a client certificate, trusting the pinned CA (first contact, enrollment). */
    public static ClientTls anonymous(PinnedCaTrustManager trust) throws SSLException {
        return build(null, trust);
    }

    /**
     * Every context is built with one of the agent's own trust managers ({@link ServerTrust}): they verify the
     * gateway's host name themselves, and {@link ClientTls#layer} turns the JDK's check off.
     */
    private static ClientTls build(KeyManager[] keys, ServerTrust trust) throws SSLException {
        try {
            SSLContext ctx = SSLContext.getInstance("TLS");
            ctx.init(keys, new TrustManager[] {trust}, null);
            return new ClientTls(ctx, PROTOCOLS, CIPHERS);
        } catch (GeneralSecurityException e) {
            throw new SSLException("cannot set up TLS: " + e.getMessage(), e);
        }
    }
}
