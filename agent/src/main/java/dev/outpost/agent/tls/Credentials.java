package dev.outpost.agent.tls;

import dev.outpost.wire.Der;
import dev.outpost.wire.EcKeys;
import dev.outpost.wire.Pem;
import dev.outpost.wire.SecureFiles;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.PrivateKey;
import java.security.cert.X509Certificate;
import java.time.Instant;
import java.util.List;
import java.util.Objects;

/**
 * The agent's identity on disk, in its state directory: {@code agent.key} (EC P-256, 0600, never leaves the
 * host), {@code agent.crt} (its current certificate) and {@code ca.crt} (the pinned CA trust bundle). The agent id
 * and org (the certificate's subject CN and O) are read once, with the JDK alone (see {@link Der#nameAttribute}):
 * a running agent writes them into its status every cycle and needs no Bouncy Castle for it.
 */
public final class Credentials {
    public static final String KEY_FILE = "agent.key";
    public static final String CERT_FILE = "agent.crt";
    public static final String CA_FILE = "ca.crt";
    /** Suffix of a renewed key and certificate not yet used successfully (see {@link Identity}). */
    public static final String STAGED = ".next";
    private final PrivateKey key;
    private final X509Certificate certificate;
    private final List<X509Certificate> trustBundle;
    /** The subject's CN and O, read at the first use. */
    private volatile String[] names;

    public Credentials(PrivateKey key, X509Certificate certificate, List<X509Certificate> trustBundle) {
        this.key = key;
        this.certificate = certificate;
        this.trustBundle = trustBundle;
    }

    public PrivateKey key() {
        return key;
    }

    public X509Certificate certificate() {
        return certificate;
    }

    public List<X509Certificate> trustBundle() {
        return trustBundle;
    }

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
        return loadPair(stateDir, KEY_FILE, CERT_FILE, Pem.readCertificates(stateDir.resolve(CA_FILE)));
    }

    /**
     * Writes key (0600), bundle and certificate, each file atomically, and removes a staged pair. Each file is
     * replaced atomically but not the three together: {@link Identity#load} recovers from a crash in between.
     */
    public void store(Path stateDir) throws IOException {
        SecureFiles.directory(stateDir, SecureFiles.PRIVATE_DIR);
        SecureFiles.write(stateDir.resolve(KEY_FILE), Pem.privateKey(key), SecureFiles.OWNER_ONLY);
        storeTrustBundle(stateDir, trustBundle);
        SecureFiles.write(stateDir.resolve(CERT_FILE), Pem.certificates(List.of(certificate)), SecureFiles.PUBLIC);
        discardStaged(stateDir);
    }

    /** Replaces the trust bundle ({@code ca.crt}, 0644) atomically. */
    static void storeTrustBundle(Path stateDir, List<X509Certificate> bundle) throws IOException {
        SecureFiles.write(stateDir.resolve(CA_FILE), Pem.certificates(bundle), SecureFiles.PUBLIC);
    }

    /** The same key and certificate with another trust bundle. */
    public Credentials withTrust(List<X509Certificate> bundle) {
        return new Credentials(key, certificate, List.copyOf(bundle));
    }

    /** Writes key and certificate as the staged pair ({@code agent.key.next}, {@code agent.crt.next}), key first. */
    public void storeStaged(Path stateDir) throws IOException {
        SecureFiles.write(stateDir.resolve(KEY_FILE + STAGED), Pem.privateKey(key), SecureFiles.OWNER_ONLY);
        SecureFiles.write(stateDir.resolve(CERT_FILE + STAGED), Pem.certificates(List.of(certificate)),
                SecureFiles.PUBLIC);
    }

    /** Deletes a staged pair, certificate first so that a crash never leaves a certificate without its key. */
    public static void discardStaged(Path stateDir) throws IOException {
        Files.deleteIfExists(stateDir.resolve(CERT_FILE + STAGED));
        Files.deleteIfExists(stateDir.resolve(KEY_FILE + STAGED));
    }

    /** Loads a key and certificate pair named {@code keyFile} and {@code certFile}, with {@code bundle}. */
    static Credentials loadPair(Path stateDir, String keyFile, String certFile, List<X509Certificate> bundle)
            throws IOException {
        return new Credentials(Pem.readPrivateKey(stateDir.resolve(keyFile)),
                Pem.readCertificates(stateDir.resolve(certFile)).get(0), bundle);
    }

    /** Whether the certificate is for this private key (a crash between writing the two files breaks that). */
    public boolean consistent() {
        return EcKeys.matches(key, certificate.getPublicKey());
    }

    public Instant notBefore() {
        return certificate.getNotBefore().toInstant();
    }

    public String serial() {
        return certificate.getSerialNumber().toString(16);
    }

    /** The agent id: the subject's CN ("" if it has none). */
    public String agentId() {
        return names()[0];
    }

    /** The org: the subject's O ("" if it has none). */
    public String org() {
        return names()[1];
    }

    public Instant notAfter() {
        return certificate.getNotAfter().toInstant();
    }

    private String[] names() {
        String[] n = names;
        if (n == null) {
            byte[] subject = certificate.getSubjectX500Principal().getEncoded();
            String cn = Der.nameAttribute(subject, Der.COMMON_NAME);
            String o = Der.nameAttribute(subject, Der.ORGANIZATION);
            n = new String[] {cn != null ? cn : BcNames.first(subject, true),
                    o != null ? o : BcNames.first(subject, false)};
            names = n;
        }
        return n;
    }

    /** Names in a form {@link Der} leaves to Bouncy Castle; a class of its own so that it is loaded only then. */
    private static final class BcNames {
        static String first(byte[] subject, boolean commonName) {
            var rdns = org.bouncycastle.asn1.x500.X500Name.getInstance(subject).getRDNs(commonName
                    ? org.bouncycastle.asn1.x500.style.BCStyle.CN : org.bouncycastle.asn1.x500.style.BCStyle.O);
            return rdns.length == 0 ? "" : rdns[0].getFirst().getValue().toString();
        }
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof Credentials c && Objects.equals(key, c.key) && Objects.equals(certificate, c.certificate)
                && Objects.equals(trustBundle, c.trustBundle);
    }

    @Override
    public int hashCode() {
        return Objects.hash(key, certificate, trustBundle);
    }

    @Override
    public String toString() {
        return "Credentials[" + agentId() + ", org " + org() + ", until " + notAfter() + "]";
    }
}
