package dev.outpost.gateway.ca;

import dev.outpost.wire.Pem;
import dev.outpost.wire.SecureFiles;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.security.cert.X509Certificate;
import java.sql.SQLException;
import java.time.Clock;
import java.util.List;

/**
 * The CA on disk, under {@code <gateway dir>/ca/}: {@code ca.crt} (PEM) and {@code ca.key.enc} (the PKCS#8
 * private key sealed with the {@link MasterKey}) of the CA that issues. Creating refuses to overwrite an existing CA.
 * During a rollover also {@code next.crt} and {@code next.key.enc} (the staged CA, sealed alike), {@code links.crt}
 * (the two link certificates) and, after the switch, {@code previous.crt}. Each file is replaced atomically; the
 * order of the writes is the rollover's (see {@code CaRollover}).
 */
public final class CaFiles implements CaStore {
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

    @Override
    public boolean exists() {
        return Files.exists(certificateFile()) || Files.exists(encryptedKeyFile());
    }

    /** Generates and stores a new CA; fails if one exists. */
    @Override
    public CertificateAuthority create(MasterKey master, Clock clock, SecureRandom random) throws IOException {
        if (exists()) {
            throw new FileAlreadyExistsException(dir.toString(), null,
                    "a CA already exists here; refusing to overwrite it (move the directory away to start over)");
        }
        SecureFiles.directory(dir, SecureFiles.PRIVATE_DIR);
        CertificateAuthority ca = CaStore.newFirst(clock, random);
        SecureFiles.create(encryptedKeyFile(), CaSnapshot.seal(master, ca), SecureFiles.OWNER_ONLY);
        SecureFiles.create(certificateFile(), Pem.certificates(List.of(ca.certificate())).getBytes(StandardCharsets.US_ASCII),
                SecureFiles.PUBLIC);
        return ca;
    }

    /** Writes {@code next} sealed as {@code next.*} with the links; deleted again if {@code commit} does not take it. */
    @Override
    public boolean stage(CertificateAuthority current, CertificateAuthority next, MasterKey master, StepCommit commit)
            throws IOException, SQLException {
        SecureFiles.write(nextKeyFile(), CaSnapshot.seal(master, next), SecureFiles.OWNER_ONLY);
        SecureFiles.write(nextCertificateFile(), Pem.certificates(List.of(next.certificate())), SecureFiles.PUBLIC);
        SecureFiles.write(linksFile(), Pem.certificates(CaStore.links(current, next)), SecureFiles.PUBLIC);
        if (!commit.commit(Alongside.NOTHING)) {
            clean(false);
            return false;
        }
        return true;
    }

    /** Keeps the issuing CA's certificate as {@code previous.crt}, then the record commits, then {@link #promoteNext}. */
    @Override
    public boolean switchToNext(StepCommit commit) throws IOException, SQLException {
        X509Certificate previous = Pem.readCertificates(certificateFile()).get(0);
        SecureFiles.write(previousCertificateFile(), Pem.certificates(List.of(previous)), SecureFiles.PUBLIC);
        if (!commit.commit(Alongside.NOTHING)) {
            return false;
        }
        promoteNext();
        return true;
    }

    @Override
    public boolean retirePrevious(StepCommit commit) throws IOException, SQLException {
        if (!commit.commit(Alongside.NOTHING)) {
            return false;
        }
        clean(false);
        return true;
    }

    /** Nothing in the transaction: the gateway deletes the files once it sees no rollover ({@link #dropLeftovers}). */
    @Override
    public Alongside discardNext() {
        return Alongside.NOTHING;
    }

    @Override
    public void finishSwitch() throws IOException {
        promoteNext();
    }

    @Override
    public void dropLeftovers() throws IOException {
        clean(false);
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

    @Override
    public String where() {
        return dir.toString();
    }

    /** The files as they are; a staged or previous CA only with its links (a stage cut short is not one). */
    @Override
    public CaSnapshot snapshot() throws IOException {
        if (!Files.exists(certificateFile()) || !Files.exists(encryptedKeyFile())) {
            throw new IOException("no CA in " + dir + "; create one with `outpost-gateway init --dir "
                    + dir.getParent() + "`");
        }
        X509Certificate cert = Pem.readCertificates(certificateFile()).get(0);
        List<X509Certificate> links = Files.exists(linksFile()) ? Pem.readCertificates(linksFile()) : List.of();
        boolean rollover = links.size() == 2;
        X509Certificate next = rollover && Files.exists(nextCertificateFile())
                ? Pem.readCertificates(nextCertificateFile()).get(0) : null;
        X509Certificate previous = rollover && Files.exists(previousCertificateFile())
                ? Pem.readCertificates(previousCertificateFile()).get(0) : null;
        return new CaSnapshot(cert, Files.readAllBytes(encryptedKeyFile()), next, previous,
                next == null && previous == null ? List.of() : links, encryptedKeyFile().toString());
    }
}
