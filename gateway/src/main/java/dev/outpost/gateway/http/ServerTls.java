package dev.outpost.gateway.http;

import io.netty.handler.ssl.ClientAuth;
import io.netty.handler.ssl.OpenSslContextOption;
import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.SslContextBuilder;
import io.netty.handler.ssl.SslProvider;
import java.security.PrivateKey;
import java.security.cert.X509Certificate;
import java.util.List;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.SSLException;
import javax.net.ssl.TrustManager;

/**
 * The TLS settings of a gateway listener: TLS 1.3, or 1.2 with AEAD suites only; trust in Outpost's CAs only (two
 * during a CA rollover). The context can be swapped (server certificate renewal, rollover) and new connections pick
 * it up. The same with either implementation ({@link TlsProviders}): the JDK's or OpenSSL. Netty gives OpenSSL the
 * suites by their OpenSSL names (ECDHE-ECDSA-AES128-GCM-SHA256 ...; BoringSSL's TLS 1.3 suites are fixed, the three
 * listed) and checks client certificates with the same Java trust managers as the JDK's engine. With OpenSSL the
 * engine hands the Java steps of a handshake (choosing the key, checking the client's certificate) to the handshake
 * threads as tasks, as the JDK's engine hands its delegated tasks, so that {@code connections.max_handshakes} bounds
 * them alike; BoringSSL's own arithmetic (key exchange, signature) runs on the connection's I/O thread, a fraction
 * of the JDK's.
 */
public final class ServerTls {
    /** TLS 1.3 suites and the TLS 1.2 ECDHE+AEAD suites an EST client may need. */
    public static final List<String> CIPHERS = List.of(
            "TLS_AES_128_GCM_SHA256", "TLS_AES_256_GCM_SHA384", "TLS_CHACHA20_POLY1305_SHA256",
            "TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256", "TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384",
            "TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256");
    /**
     * How long a TLS session's state is kept, the same with either implementation (the JDK's default). No session is
     * ever resumed (see {@link #noResumption}).
     */
    public static final long SESSION_TIMEOUT_SECONDS = 86_400;

    static {
        noTickets();
    }

    /**
     * No TLS server in this process issues session tickets, which would resume a session whatever became of it since.
     * The JDK's TLS 1.3 server and Netty's OpenSSL server (TLS 1.3 tickets, at the first use of its OpenSSL classes)
     * both read this property; without tickets the JDK resumes only sessions still in its cache, and
     * {@link #noResumption} takes each one out. Called before anything touches OpenSSL ({@link TlsProviders}).
     */
    static void noTickets() {
        System.setProperty("jdk.tls.server.enableSessionTicketExtension", "false");
    }
    private final SslProvider provider;
    private final ClientAuth clientAuth;
    private final TrustManager clientTrust;
    private volatile SslContext context;

    /** With the JDK's TLS. */
    public ServerTls(ClientAuth clientAuth, PrivateKey key, List<X509Certificate> chain, List<X509Certificate> trusted)
            throws SSLException {
        this(SslProvider.JDK, clientAuth, key, chain, trusted, null);
    }

    /** With the JDK's TLS and a trust manager of its own for client certificates (the EST listener's renewal grace). */
    public ServerTls(ClientAuth clientAuth, PrivateKey key, List<X509Certificate> chain, List<X509Certificate> trusted,
            TrustManager clientTrust) throws SSLException {
        this(SslProvider.JDK, clientAuth, key, chain, trusted, clientTrust);
    }

    /**
     * @param provider {@link SslProvider#JDK} or {@link SslProvider#OPENSSL} (see {@link TlsProviders#choose})
     * @param clientTrust a trust manager of its own for client certificates (the EST listener's renewal grace), or
     *     null to trust {@code trusted}
     */
    public ServerTls(SslProvider provider, ClientAuth clientAuth, PrivateKey key, List<X509Certificate> chain,
            List<X509Certificate> trusted, TrustManager clientTrust) throws SSLException {
        if (provider != SslProvider.JDK && provider != SslProvider.OPENSSL) {
            throw new IllegalArgumentException("provider " + provider + ": JDK or OPENSSL");
        }
        this.provider = provider;
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
        if (provider == SslProvider.OPENSSL) {
            // Certificate checks and key selection as tasks for the handshake threads (HttpsListener), not inline.
            b.option(OpenSslContextOption.USE_TASKS, true);
        }
        this.context = b
                .sslProvider(provider)
                .sessionTimeout(SESSION_TIMEOUT_SECONDS)
                .clientAuth(clientAuth)
                .protocols("TLSv1.3", "TLSv1.2")
                .ciphers(CIPHERS)
                .build();
    }

    /**
     * Makes the session of a handshake that just succeeded impossible to resume, with either implementation. A
     * resumed handshake skips the trust managers: a client could come back for 24 hours with a certificate that has
     * expired, whose CA was retired by a rollover, or that the EST renewal grace no longer covers. Agents keep their
     * connection, so a full handshake on each new one costs them nothing that matters.
     */
    public static void noResumption(SSLEngine engine) {
        engine.getSession().invalidate();
    }

    /** The implementation: {@link SslProvider#JDK} or {@link SslProvider#OPENSSL}. */
    public SslProvider provider() {
        return provider;
    }

    public SslContext context() {
        return context;
    }
}
