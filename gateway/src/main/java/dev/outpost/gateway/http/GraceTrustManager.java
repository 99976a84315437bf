package dev.outpost.gateway.http;

import java.net.Socket;
import java.security.GeneralSecurityException;
import java.security.cert.CertPathValidator;
import java.security.cert.CertificateException;
import java.security.cert.CertificateFactory;
import java.security.cert.PKIXParameters;
import java.security.cert.TrustAnchor;
import java.security.cert.X509Certificate;
import java.time.Clock;
import java.time.Instant;
import java.util.Date;
import java.util.List;
import java.util.Set;
import java.util.function.Supplier;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.X509ExtendedTrustManager;

/**
 * Client certificates on the EST listener: issued by one of Outpost's trusted CAs (two during a rollover) and for
 * clientAuth; an expired one is still
 * admitted to the handshake (checked as of just before its expiry), so that EST {@code simplereenroll} can answer
 * it in plain words: renewed within the renewal grace, 403 beyond it (see {@code Reenroll}). Nothing else on the EST
 * listener uses the client certificate. Ingest never uses this: there an expired certificate fails the handshake.
 */
public final class GraceTrustManager extends X509ExtendedTrustManager {
    private static final String CLIENT_AUTH = "1.3.6.1.5.5.7.3.2";
    private final Supplier<List<X509Certificate>> cas;
    private final Clock clock;

    /** @param cas the trusted CAs, read at every handshake */
    public GraceTrustManager(Supplier<List<X509Certificate>> cas, Clock clock) {
        this.cas = java.util.Objects.requireNonNull(cas, "cas");
        this.clock = java.util.Objects.requireNonNull(clock, "clock");
    }

    @Override
    public void checkClientTrusted(X509Certificate[] chain, String authType) throws CertificateException {
        validate(chain);
    }

    @Override
    public void checkClientTrusted(X509Certificate[] chain, String authType, Socket socket) throws CertificateException {
        validate(chain);
    }

    @Override
    public void checkClientTrusted(X509Certificate[] chain, String authType, SSLEngine engine)
            throws CertificateException {
        validate(chain);
    }

    /** Validates the chain against the trusted CAs alone, at now, or just before expiry for an expired certificate. */
    void validate(X509Certificate[] chain) throws CertificateException {
        if (chain == null || chain.length == 0) {
            throw new CertificateException("no client certificate");
        }
        X509Certificate leaf = chain[0];
        Instant now = clock.instant();
        Instant notAfter = leaf.getNotAfter().toInstant();
        Instant at = now;
        if (now.isAfter(notAfter)) {
            at = notAfter.minusSeconds(1);
        }
        List<String> eku = leaf.getExtendedKeyUsage();
        if (eku == null || !eku.contains(CLIENT_AUTH)) {
            throw new CertificateException("client certificate is not for clientAuth");
        }
        try {
            Set<TrustAnchor> anchors = new java.util.HashSet<>();
            for (X509Certificate ca : cas.get()) {
                anchors.add(new TrustAnchor(ca, null));
            }
            PKIXParameters params = new PKIXParameters(anchors);
            params.setRevocationEnabled(false);
            params.setDate(Date.from(at));
            CertPathValidator.getInstance("PKIX").validate(
                    CertificateFactory.getInstance("X.509").generateCertPath(List.of(leaf)), params);
        } catch (GeneralSecurityException e) {
            throw new CertificateException("client certificate not issued by a CA this gateway trusts: " + e.getMessage(), e);
        }
    }

    @Override
    public void checkServerTrusted(X509Certificate[] chain, String authType) throws CertificateException {
        throw new CertificateException("the gateway accepts no server certificates");
    }

    @Override
    public void checkServerTrusted(X509Certificate[] chain, String authType, Socket socket)
            throws CertificateException {
        throw new CertificateException("the gateway accepts no server certificates");
    }

    @Override
    public void checkServerTrusted(X509Certificate[] chain, String authType, SSLEngine engine)
            throws CertificateException {
        throw new CertificateException("the gateway accepts no server certificates");
    }

    @Override
    public X509Certificate[] getAcceptedIssuers() {
        return cas.get().toArray(X509Certificate[]::new);
    }
}
