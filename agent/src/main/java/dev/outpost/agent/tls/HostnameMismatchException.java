package dev.outpost.agent.tls;

import dev.outpost.agent.transport.PeerText;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.security.cert.CertificateException;
import java.security.cert.CertificateParsingException;
import java.security.cert.X509Certificate;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import javax.security.auth.x500.X500Principal;

/**
 * The gateway's certificate is valid but issued for other names than the host the agent was told to reach: a
 * refusal, not an outage, so enrollment says which name it expected and which the certificate has, and exits 77
 * instead of being retried.
 */
public final class HostnameMismatchException extends CertificateException {
    private static final long serialVersionUID = 1L;
    /** At most this many of the certificate's names are shown. */
    static final int MAX_NAMES = 10;

    private HostnameMismatchException(String message) {
        super(message);
    }

    /**
     * Explains {@code failure} of validating {@code cert} for {@code host}: this exception if none of the names of
     * the certificate matches {@code host}, else {@code failure} itself (it failed for another reason).
     */
    static CertificateException explain(X509Certificate cert, String host, int port, CertificateException failure) {
        List<String> names = names(cert);
        if (host == null || names.stream().anyMatch(n -> matches(n, host))) {
            return failure;
        }
        List<String> shown = names.stream().limit(MAX_NAMES).map(PeerText::of).toList();
        String example = shown.stream().filter(n -> !n.startsWith("*")).findFirst().orElse(null);
        return new HostnameMismatchException("the gateway's certificate is for " + (shown.isEmpty() ? "no name"
                : String.join(", ", shown) + (names.size() > MAX_NAMES ? " and " + (names.size() - MAX_NAMES)
                + " more" : "")) + ", not for " + host + ", the host this agent was given; "
                + (example == null ? "" : "give it a name the certificate has (e.g. --server https://" + example + ":"
                + port + "), or ") + "add " + host + " to server_cert.hostnames in the gateway's gateway.yaml and "
                + "restart the gateway");
    }

    /** The DNS and IP names of the certificate, or its CN if it has none. */
    static List<String> names(X509Certificate cert) {
        List<String> out = new ArrayList<>();
        try {
            if (cert.getSubjectAlternativeNames() != null) {
                for (List<?> san : cert.getSubjectAlternativeNames()) {
                    int type = (Integer) san.get(0);
                    if (type == 2 || type == 7) {
                        out.add(String.valueOf(san.get(1)));
                    }
                }
            }
        } catch (CertificateParsingException e) {
            // no readable names: fall back to the CN
        }
        if (out.isEmpty()) {
            String dn = cert.getSubjectX500Principal().getName(X500Principal.RFC2253);
            for (String rdn : dn.split(",")) {
                if (rdn.startsWith("CN=")) {
                    out.add(rdn.substring(3));
                }
            }
        }
        return out;
    }

    /** Whether certificate name {@code name} covers {@code host}: the same address, or DNS with a leftmost wildcard. */
    static boolean matches(String name, String host) {
        if (isAddress(host) || isAddress(name)) {
            try {
                return isAddress(host) && isAddress(name)
                        && InetAddress.getByName(strip(name)).equals(InetAddress.getByName(strip(host)));
            } catch (UnknownHostException e) {
                return false;
            }
        }
        String n = name.toLowerCase(Locale.ROOT);
        String h = host.toLowerCase(Locale.ROOT);
        if (n.startsWith("*.")) {
            int dot = h.indexOf('.');
            return dot > 0 && h.substring(dot).equals(n.substring(1));
        }
        return n.equals(h);
    }

    private static boolean isAddress(String s) {
        return s.matches("((25[0-5]|2[0-4]\\d|1?\\d?\\d)\\.){3}(25[0-5]|2[0-4]\\d|1?\\d?\\d)") || s.contains(":");
    }

    private static String strip(String s) {
        return s.startsWith("[") && s.endsWith("]") ? s.substring(1, s.length() - 1) : s;
    }
}
