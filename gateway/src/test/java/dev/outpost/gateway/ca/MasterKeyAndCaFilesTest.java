package dev.outpost.gateway.ca;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.io.IOException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.SecureRandom;
import java.time.Clock;
import java.util.HexFormat;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class MasterKeyAndCaFilesTest {
    @TempDir
    Path dir;
    final SecureRandom random = new SecureRandom();

    @Test
    void caKeyIsEncryptedAtRestAndLoadsBack() throws Exception {
        MasterKey master = MasterKey.create(dir.resolve("master.key"), random);
        CaFiles files = new CaFiles(dir);
        CertificateAuthority ca = files.create(master, Clock.systemUTC(), random);

        assertEquals("rw-------", perms(dir.resolve("master.key")));
        assertEquals("rw-------", perms(files.encryptedKeyFile()));
        byte[] sealed = Files.readAllBytes(files.encryptedKeyFile());
        String hex = HexFormat.of().formatHex(sealed);
        String keyHex = HexFormat.of().formatHex(ca.privateKey().getEncoded());
        assertFalse(hex.contains(keyHex.substring(keyHex.length() - 64)), "private scalar must not be stored in clear");

        CertificateAuthority loaded = files.load(MasterKey.load(dir.resolve("master.key"), random), Clock.systemUTC(), random);
        assertEquals(ca.certificate(), loaded.certificate());
        assertArrayEquals(ca.privateKey().getEncoded(), loaded.privateKey().getEncoded());
    }

    @Test
    void refusesToOverwriteAnExistingCa() throws Exception {
        MasterKey master = MasterKey.create(dir.resolve("master.key"), random);
        CaFiles files = new CaFiles(dir);
        files.create(master, Clock.systemUTC(), random);
        byte[] before = Files.readAllBytes(files.certificateFile());
        assertThrows(FileAlreadyExistsException.class, () -> files.create(master, Clock.systemUTC(), random));
        assertArrayEquals(before, Files.readAllBytes(files.certificateFile()));
    }

    @Test
    void wrongMasterKeyOrTamperingIsDetected() throws Exception {
        MasterKey master = MasterKey.create(dir.resolve("master.key"), random);
        CaFiles files = new CaFiles(dir);
        files.create(master, Clock.systemUTC(), random);
        MasterKey other = MasterKey.create(dir.resolve("other.key"), random);
        IOException e = assertThrows(IOException.class, () -> files.load(other, Clock.systemUTC(), random));
        assertEquals(files.encryptedKeyFile() + ": cannot decrypt: wrong master key, or the encrypted file was altered",
                e.getMessage());

        byte[] sealed = Files.readAllBytes(files.encryptedKeyFile());
        sealed[sealed.length - 1] ^= 1;
        Files.write(files.encryptedKeyFile(), sealed);
        assertThrows(IOException.class, () -> files.load(master, Clock.systemUTC(), random));
    }

    @Test
    void masterKeyComesFromTheSystemdCredentialWhenPresent() throws Exception {
        Path creds = Files.createDirectories(dir.resolve("creds"));
        assertEquals(dir.resolve("master.key"), MasterKey.location(dir, Map.of("CREDENTIALS_DIRECTORY", creds.toString())));
        MasterKey.create(creds.resolve(MasterKey.CREDENTIAL_NAME), random);
        assertEquals(creds.resolve(MasterKey.CREDENTIAL_NAME),
                MasterKey.location(dir, Map.of("CREDENTIALS_DIRECTORY", creds.toString())));
    }

    @Test
    void shortMasterKeyIsRejectedWithoutShowingIt() throws Exception {
        Files.writeString(dir.resolve("bad.key"), "c2hvcnQ=\n");
        IOException e = assertThrows(IOException.class, () -> MasterKey.load(dir.resolve("bad.key"), random));
        assertEquals(dir.resolve("bad.key") + ": master key must be 32 bytes (base64 of 32 random bytes), found 5 bytes",
                e.getMessage());
    }

    private static String perms(Path p) throws IOException {
        return PosixFilePermissions.toString(Files.getPosixFilePermissions(p));
    }
}
