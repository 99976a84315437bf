package dev.outpost.agent.tls;

import dev.outpost.wire.CaPin;
import java.io.IOException;
import java.security.GeneralSecurityException;
import java.security.cert.X509Certificate;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Collectors;

/**
 * Which CAs the agent trusts after fetching the gateway's {@code cacerts} (over a connection it already trusts).
 * A CA stays trusted while the gateway still publishes it; a new CA is trusted only if the bundle also holds a link
 * certificate for it (its name and key) signed by a CA already trusted, as a CA rollover publishes it (RFC 7030
 * section 4.1.3). So only the holder of a trusted CA's key can introduce another, and a retired CA is dropped.
 */
public final class TrustBundle {
    private TrustBundle() {
    }

    /**
     * The CAs to trust from now on: those of {@code fetched} that are in {@code trusted} or linked from one of them.
     *
     * @throws IOException if none of them is (the bundle is not this agent's gateway's, or its CA was replaced)
     */
    public static List<X509Certificate> accept(List<X509Certificate> trusted, List<X509Certificate> fetched, Instant now)
            throws IOException {
        List<X509Certificate> out = new ArrayList<>();
        for (X509Certificate root : roots(fetched)) {
            if (trusted.stream().anyMatch(t -> same(t, root)) || linked(root, trusted, fetched, now)) {
                out.add(root);
            }
        }
        if (out.isEmpty()) {
            throw new IOException("the gateway's CA bundle (" + pins(roots(fetched)) + ") holds no CA this agent "
                    + "trusts (" + pins(trusted) + ") and no link from one; if the gateway's CA was replaced, enroll "
                    + "this host again with a new token and the gateway's current pin (`outpost-gateway pin`)");
        }
        return out;
    }

    /**
     * The CAs to trust at enrollment: the CA of {@code fetched} that has the pin given out of band, and those it links
     * to (during a CA rollover, the next one).
     *
     * @throws IOException if no CA of the bundle has the pin
     */
    public static List<X509Certificate> pinned(CaPin pin, List<X509Certificate> fetched, Instant now)
            throws IOException {
        List<X509Certificate> matching = roots(fetched).stream().filter(pin::matches).toList();
        if (matching.isEmpty()) {
            throw new IOException("the gateway's CA bundle does not contain the pinned CA " + pin
                    + "; check the pin with `outpost-gateway pin`");
        }
        return accept(matching, fetched, now);
    }

    /** The self-signed CA certificates of {@code certs}, in order. */
    static List<X509Certificate> roots(List<X509Certificate> certs) {
        List<X509Certificate> out = new ArrayList<>();
        for (X509Certificate c : certs) {
            if (c.getBasicConstraints() >= 0 && c.getSubjectX500Principal().equals(c.getIssuerX500Principal())
                    && signedBy(c, c)) {
                out.add(c);
            }
        }
        return out;
    }

    /** Whether {@code fetched} holds a CA certificate for {@code root}'s name and key, signed by a trusted CA. */
    private static boolean linked(X509Certificate root, List<X509Certificate> trusted, List<X509Certificate> fetched,
            Instant now) {
        for (X509Certificate link : fetched) {
            if (link.getBasicConstraints() < 0 || !link.getSubjectX500Principal().equals(root.getSubjectX500Principal())
                    || !link.getPublicKey().equals(root.getPublicKey()) || !valid(link, now)) {
                continue;
            }
            for (X509Certificate t : trusted) {
                if (link.getIssuerX500Principal().equals(t.getSubjectX500Principal()) && signedBy(link, t)) {
                    return true;
                }
            }
        }
        return false;
    }

    /** The same CA: same name and key (a link certificate stands for the CA it certifies). */
    static boolean same(X509Certificate a, X509Certificate b) {
        return a.getSubjectX500Principal().equals(b.getSubjectX500Principal()) && a.getPublicKey().equals(b.getPublicKey());
    }

    static boolean signedBy(X509Certificate cert, X509Certificate issuer) {
        try {
            cert.verify(issuer.getPublicKey());
            return true;
        } catch (GeneralSecurityException e) {
            return false;
        }
    }

    private static boolean valid(X509Certificate c, Instant now) {
        return !now.isBefore(c.getNotBefore().toInstant()) && !now.isAfter(c.getNotAfter().toInstant());
    }

    /** "sha256:… , sha256:…" for messages. */
    static String pins(List<X509Certificate> cas) {
        return cas.isEmpty() ? "none" : cas.stream().map(c -> CaPin.of(c).toString()).collect(Collectors.joining(", "));
    }

    /** Whether {@code a} and {@code b} hold the same CAs, in any order. */
    public static boolean sameCas(List<X509Certificate> a, List<X509Certificate> b) {
        return a.size() == b.size() && a.stream().allMatch(x -> b.stream().anyMatch(y -> same(x, y)));
    }
}
