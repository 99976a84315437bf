package dev.outpost.gateway.ca;

import java.security.cert.Certificate;
import java.security.cert.X509Certificate;
import javax.net.ssl.SSLPeerUnverifiedException;
import javax.net.ssl.SSLSession;
import org.bouncycastle.asn1.ASN1ObjectIdentifier;
import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.asn1.x500.style.BCStyle;

/** The agent identity of a verified TLS peer: CN = agent id, O = org of its client certificate. */
public final class PeerIdentity {
    private PeerIdentity() {
    }

    /** The identity, or null if the session has no verified Outpost agent certificate. */
    public static AgentIdentity of(SSLSession session) {
        X509Certificate cert = certificate(session);
        return cert == null ? null : of(cert);
    }

    /** The verified client certificate of the session, or null if the peer presented none. */
    public static X509Certificate certificate(SSLSession session) {
        try {
            Certificate[] chain = session.getPeerCertificates();
            return chain.length > 0 && chain[0] instanceof X509Certificate cert ? cert : null;
        } catch (SSLPeerUnverifiedException e) {
            return null;
        }
    }

    /** The identity a certificate names, or null if it does not name an Outpost agent. */
    public static AgentIdentity of(X509Certificate cert) {
        try {
            X500Name name = X500Name.getInstance(cert.getSubjectX500Principal().getEncoded());
            return new AgentIdentity(rdn(name, BCStyle.O), rdn(name, BCStyle.CN));
        } catch (IllegalArgumentException e) {
            return null;
        }
    }

    private static String rdn(X500Name name, ASN1ObjectIdentifier type) {
        var rdns = name.getRDNs(type);
        return rdns.length == 0 ? null : rdns[0].getFirst().getValue().toString();
    }
}
