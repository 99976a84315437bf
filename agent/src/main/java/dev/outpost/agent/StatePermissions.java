package dev.outpost.agent;

import dev.outpost.agent.tls.Credentials;
import dev.outpost.wire.PrivateFiles;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Checks the state directory before the daemon trusts what is in it. Refused (a configuration error): a private key
 * others can read (it may have been copied: repairing the mode would hide that), a key that is a symbolic link (its
 * real place is not protected by the state directory, and renewal would replace the link by a file), a directory or
 * a certificate others can write (they could have put in their own CA), and files owned by another user. Repaired,
 * with a warning: a state directory others can list but not write, since nothing could have been changed in it.
 */
public final class StatePermissions {
    private static final Logger LOG = LoggerFactory.getLogger("outpost.agent");
    private static final String IF_EXPOSED = "if others could read it, revoke this agent on the gateway (`outpost-gateway "
            + "agent revoke AGENT_ID`) and enroll again with a new token (`outpost-agent enroll --force ...`)";
    private final PrivateFiles files;

    public StatePermissions(PrivateFiles files) {
        this.files = files;
    }

    /** Checks {@code stateDir} and the credentials in it; throws {@link PrivateFiles.UnsafeException} if refused. */
    public void check(Path stateDir) throws IOException {
        int mode = files.checkDirectory(stateDir, "its CA bundle (" + Credentials.CA_FILE + "), certificate or key");
        if ((mode & 0077) != 0) {
            Files.setPosixFilePermissions(stateDir, java.nio.file.attribute.PosixFilePermissions.fromString("rwx------"));
            LOG.warn("{}: permissions were {}, so others could list it; made them 0700 (nothing in it is for others)",
                    stateDir, PrivateFiles.octal(mode));
        }
        for (String key : List.of(Credentials.KEY_FILE, Credentials.KEY_FILE + Credentials.STAGED)) {
            Path file = stateDir.resolve(key);
            if (Files.exists(file, LinkOption.NOFOLLOW_LINKS)) {
                files.checkSecret(file, IF_EXPOSED);
            }
        }
        for (String cert : List.of(Credentials.CERT_FILE, Credentials.CERT_FILE + Credentials.STAGED,
                Credentials.CA_FILE)) {
            Path file = stateDir.resolve(cert);
            if (Files.exists(file)) {
                files.checkProtected(file);
            }
        }
    }
}
