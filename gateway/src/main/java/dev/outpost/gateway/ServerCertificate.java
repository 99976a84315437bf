package dev.outpost.gateway;

import dev.outpost.gateway.ca.Authorities;
import dev.outpost.gateway.ca.CertificateAuthority;
import dev.outpost.wire.EcKeys;
import dev.outpost.wire.Pem;
import dev.outpost.wire.SecureFiles;
import java.io.IOException;
import java.nio.file.Files;
import java.security.KeyPair;
import java.security.PrivateKey;
import java.security.SecureRandom;
import java.security.cert.CertificateParsingException;
import java.security.cert.X509Certificate;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * The gateway's own TLS server certificate (serverAuth, SANs from the config), issued by the built-in CA and
 * reissued when it nears expiry, its host names change, another CA issues now (a rollover's switch), or the key on
 * disk is not its key (a renewal cut short between writing the key and the certificate).
 */
public final class ServerCertificate {
    /** Validity of a server certificate. */
    public static final Duration VALIDITY = Duration.ofDays(30);
    /** Reissued when less than this remains. */
    public static final Duration RENEW_BEFORE = Duration.ofDays(10);

    /** Key and chain (leaf first) as loaded or issued. */
    public record Material(PrivateKey key, List<X509Certificate> chain) {
        /** End of the leaf certificate's validity. */
        public Instant notAfter() {
            return chain.get(0).getNotAfter().toInstant();
        }

        /** The leaf certificate. */
        public X509Certificate leaf() {
            return chain.get(0);
        }

        /** The same key and leaf, followed by what {@code cas} put after a server certificate. */
        public Material chainedBy(Authorities cas) {
            return new Material(key, cas.serverChain(leaf()));
        }
    }

    private ServerCertificate() {
    }

    /**
     * Loads the current certificate, issuing a new one (new key) if missing, near expiry, for other names, or not
     * matching the key.
     */
    public static Material loadOrIssue(GatewayDir dir, Authorities cas, List<String> hostnames, Clock clock,
            SecureRandom random) throws IOException {
        if (Files.exists(dir.serverCertificate()) && Files.exists(dir.serverKey())) {
            X509Certificate cert = Pem.readCertificates(dir.serverCertificate()).get(0);
            boolean fresh = cert.getNotAfter().toInstant().isAfter(clock.instant().plus(RENEW_BEFORE));
            if (fresh && names(cert).equals(new HashSet<>(hostnames)) && cas.issued(cert)) {
                PrivateKey key = Pem.readPrivateKey(dir.serverKey());
                if (EcKeys.matches(key, cert.getPublicKey())) {
                    return new Material(key, cas.serverChain(cert));
                }
            }
        }
        return issue(dir, cas, hostnames, random);
    }

    /** Issues a new key and certificate from the issuing CA and writes them ({@code server.key} 0600). */
    public static Material issue(GatewayDir dir, Authorities cas, List<String> hostnames, SecureRandom random)
            throws IOException {
        KeyPair kp = CertificateAuthority.newKeyPair(random);
        X509Certificate cert = cas.issuer().issueServer(kp.getPublic(), hostnames, VALIDITY);
        SecureFiles.directory(dir.serverKey().getParent(), SecureFiles.PRIVATE_DIR);
        SecureFiles.write(dir.serverKey(), Pem.privateKey(kp.getPrivate()), SecureFiles.OWNER_ONLY);
        SecureFiles.write(dir.serverCertificate(), Pem.certificates(List.of(cert)), SecureFiles.PUBLIC);
        return new Material(kp.getPrivate(), cas.serverChain(cert));
    }

    /** When the certificate in {@code m} should be reissued. */
    public static Instant renewAt(Material m) {
        return m.notAfter().minus(RENEW_BEFORE);
    }

    private static Set<String> names(X509Certificate cert) throws IOException {
        Set<String> out = new HashSet<>();
        try {
            var sans = cert.getSubjectAlternativeNames();
            if (sans != null) {
                for (List<?> san : sans) {
                    out.add(String.valueOf(san.get(1)));
                }
            }
        } catch (CertificateParsingException e) {
            throw new IOException("server certificate has unreadable names", e);
        }
        return out;
    }
}
