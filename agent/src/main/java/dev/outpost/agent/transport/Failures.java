package dev.outpost.agent.transport;

import java.net.ConnectException;
import java.net.URI;
import java.net.UnknownHostException;
import java.security.cert.CertificateException;
import javax.net.ssl.SSLException;

/** Turns a network or TLS failure into one sentence an operator can act on. */
final class Failures {
    private Failures() {
    }

    static String describe(Throwable t, URI target) {
        if (t == null) {
            return "cannot reach " + target + " (timed out)";
        }
        Throwable root = t;
        CertificateException cert = null;
        while (root.getCause() != null && root.getCause() != root) {
            if (root instanceof CertificateException c) {
                cert = c;
            }
            root = root.getCause();
        }
        if (root instanceof CertificateException c) {
            cert = c;
        }
        if (cert != null) {
            return "TLS to " + target + " refused: " + cert.getMessage();
        }
        if (root instanceof ConnectException || t instanceof ConnectException) {
            return "cannot connect to " + target + ": " + root.getMessage();
        }
        if (root instanceof UnknownHostException) {
            return "cannot resolve " + target.getHost();
        }
        if (root instanceof SSLException || t instanceof SSLException) {
            return "TLS handshake with " + target + " failed: " + root.getMessage();
        }
        return "request to " + target + " failed: " + root;
    }
}
