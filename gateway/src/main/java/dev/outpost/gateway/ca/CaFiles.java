package dev.outpost.gateway.ca;

import dev.outpost.wire.Pem;
import dev.outpost.wire.SecureFiles;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyFactory;
import java.security.PrivateKey;
import java.security.SecureRandom;
import java.security.cert.X509Certificate;
import java.security.spec.PKCS8EncodedKeySpec;
import java.time.Clock;
import java.time.Duration;
import java.util.List;

/**
 * The CA on disk, under {@code <gateway dir>/ca/}: {@code ca.crt} (PEM) and {@code ca.key.enc} (the PKCS#8
 * private key sealed with the {@link MasterKey}) of the CA that issues. Creating refuses to overwrite an existing CA.
 * During a rollover also {@code next.crt} and {@code next.key.enc} (the staged CA, sealed alike), {@code links.crt}
 * (the two link certificates) and, after the switch, {@code previous.crt}. Each file is replaced atomically; the
 * order of the writes is the rollover's (see {@code CaRollover}).
 */
public final class CaFiles {
    /** Root validity: 10 years. */
    public static final Duration CA_VALIDITY = Duration.ofDays(3650);
    private static final String AAD = "outpost-ca-key-v1";
    private final Path dir;

    public CaFiles(Path gatewayDir) {
        this.dir = gatewayDir.resolve("ca");
    }

    public Path certificateFile() {
        return dir.resolve("ca.crt");
    }

    public Path encryptedKeyFile() {
        return dir.resolve("ca.key.enc");
    }

    public Path nextCertificateFile() {
        return dir.resolve("next.crt");
    }

    public Path nextKeyFile() {
        return dir.resolve("next.key.enc");
    }

    public Path previousCertificateFile() {
        return dir.resolve("previous.crt");
    }

    public Path linksFile() {
        return dir.resolve("links.crt");
    }

    public boolean exists() {
        return Files.exists(certificateFile()) || Files.exists(encryptedKeyFile());
    }

    /** Generates and stores a new CA; fails if one exists. */
    public CertificateAuthority create(MasterKey master, Clock clock, SecureRandom random) throws IOException {
        if (exists()) {
            throw new FileAlreadyExistsException(dir.toString(), null,
                    "a CA already exists here; refusing to overwrite it (move the directory away to start over)");
        }
        SecureFiles.directory(dir, SecureFiles.PRIVATE_DIR);
        CertificateAuthority ca = CertificateAuthority.generate("Outpost CA " + clock.instant().toString().substring(0, 10),
                CA_VALIDITY, clock, random);
        SecureFiles.create(encryptedKeyFile(), master.seal(ca.privateKey().getEncoded(), AAD), SecureFiles.OWNER_ONLY);
        SecureFiles.create(certificateFile(), Pem.certificates(List.of(ca.certificate())).getBytes(StandardCharsets.US_ASCII),
                SecureFiles.PUBLIC);
        return ca;
    }

    /**
     * Generates the next CA (its name made unique by a random suffix, so that clients never confuse two CAs of one
     * day), and writes it sealed as {@code next.*} with the two link certificates between it and {@code current}.
     */
    public CertificateAuthority stageNext(CertificateAuthority current, MasterKey master, Clock clock,
            SecureRandom random) throws IOException {
        byte[] suffix = new byte[4];
        random.nextBytes(suffix);
        CertificateAuthority next = CertificateAuthority.generate("Outpost CA " + clock.instant().toString()
                .substring(0, 10) + " " + java.util.HexFormat.of().formatHex(suffix), CA_VALIDITY, clock, random);
        SecureFiles.write(nextKeyFile(), master.seal(next.privateKey().getEncoded(), AAD), SecureFiles.OWNER_ONLY);
        SecureFiles.write(nextCertificateFile(), Pem.certificates(List.of(next.certificate())), SecureFiles.PUBLIC);
        SecureFiles.write(linksFile(), Pem.certificates(List.of(current.certifyCa(next.certificate()),
                next.certifyCa(current.certificate()))), SecureFiles.PUBLIC);
        return next;
    }

    /**
     * Makes the staged CA the one that issues: its sealed key and certificate replace {@code ca.*} (key first), then
     * {@code next.*} go (certificate first). Idempotent, so a crash part-way is finished by running it again.
     */
    public void promoteNext() throws IOException {
        if (Files.exists(nextCertificateFile())) {
            SecureFiles.write(encryptedKeyFile(), Files.readAllBytes(nextKeyFile()), SecureFiles.OWNER_ONLY);
            SecureFiles.write(certificateFile(), Files.readAllBytes(nextCertificateFile()), SecureFiles.PUBLIC);
            Files.delete(nextCertificateFile());
        }
        Files.deleteIfExists(nextKeyFile());
    }

    /** Deletes what a rollover left: {@code next.*} unless {@code keepNext}, and the links and previous CA. */
    public void clean(boolean keepNext) throws IOException {
        if (!keepNext) {
            Files.deleteIfExists(nextCertificateFile());
            Files.deleteIfExists(nextKeyFile());
        }
        Files.deleteIfExists(linksFile());
        Files.deleteIfExists(previousCertificateFile());
    }

    /** Loads the CA, decrypting its key with the master key. */
    public CertificateAuthority load(MasterKey master, Clock clock, SecureRandom random) throws IOException {
        if (!Files.exists(certificateFile()) || !Files.exists(encryptedKeyFile())) {
            throw new IOException("no CA in " + dir + "; create one with `outpost-gateway init --dir "
                    + dir.getParent() + "`");
        }
        X509Certificate cert = Pem.readCertificates(certificateFile()).get(0);
        byte[] pkcs8;
        try {
            pkcs8 = master.open(Files.readAllBytes(encryptedKeyFile()), AAD);
        } catch (IOException e) {
            throw new IOException(encryptedKeyFile() + ": " + e.getMessage(), null);
        }
        try {
            PrivateKey key = KeyFactory.getInstance("EC").generatePrivate(new PKCS8EncodedKeySpec(pkcs8));
            if (!dev.outpost.wire.EcKeys.matches(key, cert.getPublicKey())) {
                throw new IOException(encryptedKeyFile() + " is not the key of " + certificateFile()
                        + "; restore both from the same backup");
            }
            return new CertificateAuthority(cert, key, clock, random);
        } catch (java.security.GeneralSecurityException e) {
            throw new IOException(encryptedKeyFile() + ": decrypted CA key is not an EC private key", null);
        } finally {
            java.util.Arrays.fill(pkcs8, (byte) 0);
        }
    }
}
