package dev.outpost.agent.tls;

import dev.outpost.wire.CaPin;
import java.security.cert.CertificateException;
import java.security.cert.X509Certificate;
import java.util.List;
import javax.net.ssl.X509ExtendedTrustManager;

/**
 * The enrolled agent's trust in a gateway: the server's chain must lead to a CA of the agent's trust bundle, and then
 * validates (PKIX, hostname) against the bundle alone. A chain that leads to none of them is refused with an
 * {@link UntrustedGatewayException} saying which CA the gateway presented and what to do, since it usually means
 * that the gateway's CA was replaced while this host was away.
 */
final class BundleTrustManager extends ServerTrust {
    private final List<X509Certificate> trusted;
    private final X509ExtendedTrustManager pkix;

    BundleTrustManager(List<X509Certificate> trusted) throws CertificateException {
        this.trusted = List.copyOf(trusted);
        this.pkix = pkix(this.trusted);
    }

    @Override
    X509ExtendedTrustManager delegateFor(X509Certificate[] chain) throws CertificateException {
        anchored(chain);
        return pkix;
    }

    private void anchored(X509Certificate[] chain) throws CertificateException {
        if (chain == null || chain.length == 0) {
            throw new CertificateException("the gateway presented no certificate");
        }
        for (X509Certificate c : chain) {
            for (X509Certificate t : trusted) {
                if (TrustBundle.same(c, t) || (c.getIssuerX500Principal().equals(t.getSubjectX500Principal())
                        && TrustBundle.signedBy(c, t))) {
                    return;
                }
            }
        }
        X509Certificate top = chain[chain.length - 1];
        String presented = top.getBasicConstraints() >= 0 ? "CA " + CaPin.of(top) + " (\""
                + top.getSubjectX500Principal().getName() + "\")" : "a certificate issued by \""
                + top.getIssuerX500Principal().getName() + "\"";
        throw new UntrustedGatewayException("the gateway presented " + presented + ", and this agent trusts only "
                + TrustBundle.pins(trusted) + ". If the gateway's CA was replaced (a CA rollover completed while this "
                + "host was off, or a new gateway), enroll this host again with a new token and the gateway's current "
                + "pin (`outpost-gateway pin`); else check that the server URL names this agent's gateway");
    }
}
