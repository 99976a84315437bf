package dev.outpost.agent.tls;

import dev.outpost.wire.Pem;
import dev.outpost.wire.SecureFiles;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.PrivateKey;
import java.security.cert.X509Certificate;
import java.time.Instant;
import java.util.List;
import org.bouncycastle.asn1.ASN1ObjectIdentifier;
import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.asn1.x500.style.BCStyle;

/**
 * The agent's identity on disk, in its state directory: {@code agent.key} (EC P-256, 0600, never leaves the
 * host), {@code agent.crt} (its current certificate) and {@code ca.crt} (the pinned CA trust bundle).
 */
public record Credentials(PrivateKey key, X509Certificate certificate, List<X509Certificate> trustBundle) {
    public static final String KEY_FILE = "agent.key";
    public static final String CERT_FILE = "agent.crt";
    public static final String CA_FILE = "ca.crt";

    /** Whether a certificate and key are present in {@code stateDir}. */
    public static boolean present(Path stateDir) {
        return Files.exists(stateDir.resolve(KEY_FILE)) && Files.exists(stateDir.resolve(CERT_FILE))
                && Files.exists(stateDir.resolve(CA_FILE));
    }

    /** Loads the credentials; the message of a failure says how to enroll. */
    public static Credentials load(Path stateDir) throws IOException {
        if (!present(stateDir)) {
            throw new IOException("not enrolled: no " + CERT_FILE + "/" + KEY_FILE + "/" + CA_FILE + " in " + stateDir
                    + "; run `outpost-agent enroll --server URL --ca-sha256 PIN --token-file FILE` first");
        }
        return new Credentials(Pem.readPrivateKey(stateDir.resolve(KEY_FILE)),
                Pem.readCertificates(stateDir.resolve(CERT_FILE)).get(0),
                Pem.readCertificates(stateDir.resolve(CA_FILE)));
    }

    /** Writes key (0600), certificate and bundle atomically, key first so a certificate never lacks its key. */
    public void store(Path stateDir) throws IOException {
        SecureFiles.directory(stateDir, SecureFiles.PRIVATE_DIR);
        SecureFiles.write(stateDir.resolve(KEY_FILE), Pem.privateKey(key), SecureFiles.OWNER_ONLY);
        SecureFiles.write(stateDir.resolve(CA_FILE), Pem.certificates(trustBundle), SecureFiles.PUBLIC);
        SecureFiles.write(stateDir.resolve(CERT_FILE), Pem.certificates(List.of(certificate)), SecureFiles.PUBLIC);
    }

    public String agentId() {
        return rdn(BCStyle.CN);
    }

    public String org() {
        return rdn(BCStyle.O);
    }

    public Instant notAfter() {
        return certificate.getNotAfter().toInstant();
    }

    private String rdn(ASN1ObjectIdentifier type) {
        var rdns = X500Name.getInstance(certificate.getSubjectX500Principal().getEncoded()).getRDNs(type);
        return rdns.length == 0 ? "" : rdns[0].getFirst().getValue().toString();
    }

    @Override
    public String toString() {
        return "Credentials[" + agentId() + ", org " + org() + ", until " + notAfter() + "]";
    }
}
