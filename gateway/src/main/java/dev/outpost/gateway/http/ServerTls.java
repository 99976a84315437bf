package dev.outpost.gateway.http;

import io.netty.handler.ssl.ClientAuth;
import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.SslContextBuilder;
import io.netty.handler.ssl.SslProvider;
import java.security.PrivateKey;
import java.security.cert.X509Certificate;
import java.util.List;
import javax.net.ssl.SSLException;
import javax.net.ssl.TrustManager;

/**
 * The TLS settings of a gateway listener: TLS 1.3, or 1.2 with AEAD suites only; trust in Outpost's CAs only (two
 * during a CA rollover). The context can be swapped (server certificate renewal, rollover) and new connections pick
 * it up.
 */
public final class ServerTls {
    /** TLS 1.3 suites and the TLS 1.2 ECDHE+AEAD suites an EST client may need. */
    public static final List<String> CIPHERS = List.of(
            "TLS_AES_128_GCM_SHA256", "TLS_AES_256_GCM_SHA384", "TLS_CHACHA20_POLY1305_SHA256",
            "TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256", "TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384",
            "TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256");
    private final ClientAuth clientAuth;
    private final TrustManager clientTrust;
    private volatile SslContext context;

    public ServerTls(ClientAuth clientAuth, PrivateKey key, List<X509Certificate> chain, List<X509Certificate> trusted)
            throws SSLException {
        this(clientAuth, key, chain, trusted, null);
    }

    /** With a trust manager of its own for client certificates (the EST listener's renewal grace). */
    public ServerTls(ClientAuth clientAuth, PrivateKey key, List<X509Certificate> chain, List<X509Certificate> trusted,
            TrustManager clientTrust) throws SSLException {
        this.clientAuth = clientAuth;
        this.clientTrust = clientTrust;
        update(key, chain, trusted);
    }

    /** Replaces key, certificate chain and trusted CAs; connections accepted from now on use them. */
    public void update(PrivateKey key, List<X509Certificate> chain, List<X509Certificate> trusted) throws SSLException {
        SslContextBuilder b = SslContextBuilder.forServer(key, chain.toArray(X509Certificate[]::new));
        if (clientTrust != null) {
            b.trustManager(clientTrust);
        } else {
            b.trustManager(trusted.toArray(X509Certificate[]::new));
        }
        this.context = b
                .sslProvider(SslProvider.JDK)
                .clientAuth(clientAuth)
                .protocols("TLSv1.3", "TLSv1.2")
                .ciphers(CIPHERS)
                .build();
    }

    public SslContext context() {
        return context;
    }
}
