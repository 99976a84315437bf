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
     * Verifies that {@code cert} names {@code host}, the host the agent connected to, as RFC 6125 has it for a
     * server's certificate: an IP address matches an IP address name; a DNS name matches a DNS name, ignoring case,
     * where {@code *} may stand for the whole leftmost label of a name of three labels or more. Only the subject
     * alternative names count, never the subject's CN (which neither the built-in CA nor a public CA relies on).
     *
     * @throws HostnameMismatchException when no name matches, saying which it expected and which the certificate has
     * @throws CertificateException when there is no host to verify (a socket made without one)
     */
    static void verify(X509Certificate cert, String host, int port) throws CertificateException {
        if (host == null || host.isEmpty()) {
            throw new CertificateException("the gateway's certificate cannot be verified: the connection has no host "
                    + "name");
        }
        List<String> dns = new ArrayList<>();
        List<String> ips = new ArrayList<>();
        subjectAltNames(cert, dns, ips);
        String h = host.startsWith("[") && host.endsWith("]") ? host.substring(1, host.length() - 1) : host;
        if (isAddress(h)) {
            InetAddress address = address(h);
            for (String ip : ips) {
                if (address != null && address.equals(address(ip))) {
                    return;
                }
            }
        } else {
            for (String name : dns) {
                if (matchesDns(name, h)) {
                    return;
                }
            }
        }
        List<String> names = new ArrayList<>(dns);
        names.addAll(ips);
        throw mismatch(names.isEmpty() ? commonNames(cert) : names, h, port);
    }

    private static HostnameMismatchException mismatch(List<String> names, String host, int port) {
        List<String> shown = names.stream().limit(MAX_NAMES).map(PeerText::of).toList();
        String example = shown.stream().filter(n -> !n.startsWith("*")).findFirst().orElse(null);
        return new HostnameMismatchException("the gateway's certificate is for " + (shown.isEmpty() ? "no name"
                : String.join(", ", shown) + (names.size() > MAX_NAMES ? " and " + (names.size() - MAX_NAMES)
                + " more" : "")) + ", not for " + host + ", the host this agent was given; "
                + (example == null ? "" : "give it a name the certificate has (e.g. --server https://" + example + ":"
                + port + "), or ") + "add " + host + " to server_cert.hostnames in the gateway's gateway.yaml and "
                + "restart the gateway");
    }

    /** The certificate's DNS names (type 2) into {@code dns} and IP address names (type 7) into {@code ips}. */
    private static void subjectAltNames(X509Certificate cert, List<String> dns, List<String> ips) {
        try {
            if (cert.getSubjectAlternativeNames() != null) {
                for (List<?> san : cert.getSubjectAlternativeNames()) {
                    int type = (Integer) san.get(0);
                    if (type == 2) {
                        dns.add(String.valueOf(san.get(1)));
                    } else if (type == 7) {
                        ips.add(String.valueOf(san.get(1)));
                    }
                }
            }
        } catch (CertificateParsingException e) {
            // no readable names: none matches
        }
    }

    /** For the message only, when the certificate has no alternative names: its CNs, as "CN=...". */
    private static List<String> commonNames(X509Certificate cert) {
        List<String> out = new ArrayList<>();
        for (String rdn : cert.getSubjectX500Principal().getName(X500Principal.RFC2253).split(",")) {
            if (rdn.startsWith("CN=")) {
                out.add(rdn);
            }
        }
        return out;
    }

    /** Whether DNS name {@code name} covers DNS host {@code host}: equal, or a leftmost-label wildcard. */
    static boolean matchesDns(String name, String host) {
        String n = name.toLowerCase(Locale.ROOT);
        String h = host.toLowerCase(Locale.ROOT);
        if (n.startsWith("*.")) {
            String parent = n.substring(1); // ".example.com"
            int dot = h.indexOf('.');
            return parent.indexOf('.', 1) > 0 && parent.indexOf('*') < 0 && dot > 0
                    && h.substring(dot).equals(parent);
        }
        return n.indexOf('*') < 0 && n.equals(h);
    }

    /** An IPv4 address in dotted decimal, or an IPv6 address (the only names with a colon). */
    private static boolean isAddress(String s) {
        return s.matches("((25[0-5]|2[0-4]\\d|1?\\d?\\d)\\.){3}(25[0-5]|2[0-4]\\d|1?\\d?\\d)") || s.contains(":");
    }

    /**
     * The address {@code literal} stands for, or null if it is not one. Only numeric text reaches
     * {@link InetAddress#getByName} (a name with a colon that is not IPv6 is refused before it), so nothing is resolved.
     */
    private static InetAddress address(String literal) {
        if (!literal.matches("[0-9A-Fa-f:.]+")) {
            return null;
        }
        try {
            return InetAddress.getByName(literal);
        } catch (UnknownHostException e) {
            return null;
        }
    }
}
