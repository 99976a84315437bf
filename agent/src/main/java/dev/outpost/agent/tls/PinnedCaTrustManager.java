package dev.outpost.agent.tls;

import dev.outpost.wire.CaPin;
import java.security.cert.CertificateException;
import java.security.cert.X509Certificate;
import java.util.List;
import javax.net.ssl.X509ExtendedTrustManager;

/**
 * First contact with a gateway, before any CA is trusted: the server's chain must contain a CA certificate
 * whose key has the pin given out of band, and the server certificate must validate (PKIX, hostname) against
 * that CA alone. Enrollment then takes the CA bundle from {@code cacerts} on that connection (see
 * {@link TrustBundle#pinned}).
 */
public final class PinnedCaTrustManager extends ServerTrust {
    private final CaPin pin;

    public PinnedCaTrustManager(CaPin pin) {
        this.pin = pin;
    }

    @Override
    X509ExtendedTrustManager delegateFor(X509Certificate[] chain) throws CertificateException {
        for (X509Certificate c : chain) {
            if (c.getBasicConstraints() >= 0 && pin.matches(c)) {
                return pkix(List.of(c));
            }
        }
        throw new CertificateException("the server's CA does not match the pin " + pin
                + "; check the pin with `outpost-gateway pin` on the gateway, and that --server names that gateway");
    }
}
