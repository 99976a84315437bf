package dev.outpost.agent.tls;

import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.SslContextBuilder;
import io.netty.handler.ssl.SslProvider;
import java.security.PrivateKey;
import java.security.cert.X509Certificate;
import java.util.List;
import javax.net.ssl.SSLException;
import javax.net.ssl.TrustManager;

/**
 * The agent's TLS client settings: TLS 1.3 (1.2 with AEAD suites only), JDK provider, hostname verification,
 * and trust in the pinned Outpost CA only — never the system trust store.
 */
public final class TlsSettings {
    public static final List<String> CIPHERS = List.of(
            "TLS_AES_128_GCM_SHA256", "TLS_AES_256_GCM_SHA384", "TLS_CHACHA20_POLY1305_SHA256",
            "TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256", "TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384",
            "TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256");

    private TlsSettings() {
    }

    /** A client context presenting {@code key}/{@code chain} and trusting only {@code trustedCas}. */
    public static SslContext client(PrivateKey key, List<X509Certificate> chain, List<X509Certificate> trustedCas)
            throws SSLException {
        BundleTrustManager trust;
        try {
            trust = new BundleTrustManager(trustedCas);
        } catch (java.security.cert.CertificateException e) {
            throw new SSLException(e.getMessage(), e);
        }
        return base().keyManager(key, chain.toArray(X509Certificate[]::new)).trustManager(trust).build();
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

    /** A client context without a client certificate, with the given trust manager (first contact, enrollment). */
    public static SslContext anonymous(TrustManager trust) throws SSLException {
        return base().trustManager(trust).build();
    }

    private static SslContextBuilder base() {
        return SslContextBuilder.forClient()
                .sslProvider(SslProvider.JDK)
                .protocols("TLSv1.3", "TLSv1.2")
                .ciphers(CIPHERS)
                .endpointIdentificationAlgorithm("HTTPS");
    }
}
