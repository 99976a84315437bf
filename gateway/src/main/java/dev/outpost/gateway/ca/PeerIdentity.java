package dev.outpost.gateway.ingest;

import dev.outpost.gateway.ca.AgentIdentity;
import java.security.cert.Certificate;
import java.security.cert.X509Certificate;
import javax.net.ssl.SSLPeerUnverifiedException;
import javax.net.ssl.SSLSession;
import org.bouncycastle.asn1.ASN1ObjectIdentifier;
import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.asn1.x500.style.BCStyle;

/** The agent identity of a verified TLS peer: CN = agent id, O = org of its client certificate. */
final class PeerIdentity {
    private PeerIdentity() {
    }

    /** The identity, or null if the session has no verified Outpost agent certificate. */
    static AgentIdentity of(SSLSession session) {
        try {
            Certificate[] chain = session.getPeerCertificates();
            if (chain.length == 0 || !(chain[0] instanceof X509Certificate cert)) {
                return null;
            }
            X500Name name = X500Name.getInstance(cert.getSubjectX500Principal().getEncoded());
            return new AgentIdentity(rdn(name, BCStyle.O), rdn(name, BCStyle.CN));
        } catch (SSLPeerUnverifiedException | IllegalArgumentException e) {
            return null;
        }
    }

    private static String rdn(X500Name name, ASN1ObjectIdentifier type) {
        var rdns = name.getRDNs(type);
        return rdns.length == 0 ? null : rdns[0].getFirst().getValue().toString();
    }
}
