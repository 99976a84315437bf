package dev.outpost.agent.tls;

import java.security.cert.CertificateException;

/**
 * The gateway's certificate chain leads to none of the CAs this agent trusts; the message names the CA it presented,
 * the ones trusted, and what to do. Usually the gateway's CA was replaced while this host was away.
 */
public final class UntrustedGatewayException extends CertificateException {
    private static final long serialVersionUID = 1L;

    public UntrustedGatewayException(String message) {
        super(message);
    }
}
