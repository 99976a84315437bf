package dev.outpost.gateway.ca;

import java.security.cert.X509Certificate;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * The CAs a gateway works with at one moment of a rollover: the one that issues ({@code issuer}), the ones whose
 * client certificates both listeners accept ({@code trusted}), what EST {@code cacerts} publishes (the trusted CAs
 * and, during a rollover, the two link certificates of RFC 7030 section 4.1.3), and what follows the server
 * certificate in the TLS chain (after a switch, the new CA certified by the old one, then the old one, so that a
 * client that trusts only the old CA still verifies the gateway).
 */
public record Authorities(CertificateAuthority issuer, List<X509Certificate> trusted, List<X509Certificate> published,
        List<X509Certificate> serverChainTail) {
    public Authorities {
        Objects.requireNonNull(issuer, "issuer");
        trusted = List.copyOf(trusted);
        published = List.copyOf(published);
        serverChainTail = List.copyOf(serverChainTail);
        if (!trusted.contains(issuer.certificate())) {
            throw new IllegalArgumentException("the issuing CA " + issuer.certificate().getSubjectX500Principal()
                    + " must be among the trusted CAs");
        }
    }

    /** One CA and no rollover: it issues, is trusted, published and follows the server certificate. */
    public static Authorities single(CertificateAuthority ca) {
        List<X509Certificate> one = List.of(ca.certificate());
        return new Authorities(ca, one, one, one);
    }

    /** The server certificate's TLS chain: {@code leaf}, then {@link #serverChainTail}. */
    public List<X509Certificate> serverChain(X509Certificate leaf) {
        List<X509Certificate> chain = new ArrayList<>(serverChainTail.size() + 1);
        chain.add(leaf);
        chain.addAll(serverChainTail);
        return chain;
    }

    /** Whether {@code cert} was signed by the issuing CA. */
    public boolean issued(X509Certificate cert) {
        try {
            cert.verify(issuer.certificate().getPublicKey());
            return cert.getIssuerX500Principal().equals(issuer.certificate().getSubjectX500Principal());
        } catch (java.security.GeneralSecurityException e) {
            return false;
        }
    }
}
