package dev.outpost.wire;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFileAttributes;
import java.nio.file.attribute.PosixFilePermission;
import java.util.Set;

/**
 * Checks, before trusting them, that secrets and the directories holding them are private to this program's
 * user, as OpenSSH checks its keys: a private key others can read, a key that is a symbolic link, or a directory
 * others can write into is refused with the path, the mode or owner found and the command that fixes it.
 */
public final class PrivateFiles {
    private static final int GROUP_OTHER = 0077;
    private static final int GROUP_OTHER_WRITE = 0022;
    private final int uid;
    private final String user;

    /**
     * Checks for the user with id {@code uid} (named {@code user} in the fixes shown), who must own what is checked
     * unless root does.
     */
    public PrivateFiles(int uid, String user) {
        if (uid < 0 || user == null || user.isBlank()) {
            throw new IllegalArgumentException("a user id and name are needed, got " + uid + " and \"" + user + "\"");
        }
        this.uid = uid;
        this.user = user;
    }

    /** Checks for the user this process runs as (the owner of {@code /proc/self}). */
    public static PrivateFiles forThisProcess() throws IOException {
        int self = (Integer) Files.getAttribute(Path.of("/proc/self"), "unix:uid");
        return new PrivateFiles(self, System.getProperty("user.name", "uid " + self));
    }

    /** What was found unsafe; the message names the path, what is wrong and the fix. */
    public static final class UnsafeException extends IOException {
        private static final long serialVersionUID = 1L;

        UnsafeException(String message) {
            super(message);
        }
    }

    /**
     * A private key: a regular file (not a symbolic link), owned by the user (or root), with no permission for
     * group or others. {@code ifExposed} says what to do if others may already have read it.
     */
    public void checkSecret(Path file, String ifExposed) throws IOException {
        if (Files.isSymbolicLink(file)) {
            Path target = file.toRealPath();
            throw new UnsafeException(file + ": is a symbolic link to " + target + "; a private key must be a regular "
                    + "file where it is expected, protected by its directory. Fix: `cp --remove-destination " + target
                    + " " + file + " && chmod 600 " + file + "`");
        }
        PosixFileAttributes a = attributes(file);
        checkOwner(file, a);
        int mode = mode(a.permissions());
        if ((mode & GROUP_OTHER) != 0) {
            throw new UnsafeException(file + ": permissions " + octal(mode) + " are too open: others may read this "
                    + "private key. Fix: `chmod 600 " + file + "`; " + ifExposed);
        }
    }

    /**
     * A file others must not change (a certificate, a CA bundle): owned by the user or root, not writable by others;
     * a symbolic link is followed and its target checked.
     */
    public void checkProtected(Path file) throws IOException {
        Path real = file.toRealPath();
        PosixFileAttributes a = attributes(real);
        checkOwner(real, a);
        int mode = mode(a.permissions());
        if ((mode & GROUP_OTHER_WRITE) != 0) {
            throw new UnsafeException(real + ": permissions " + octal(mode) + " let others change it. Fix: `chmod "
                    + "go-w " + real + "`, and check that it is the file this program wrote");
        }
    }

    /**
     * A directory holding secrets: owned by the user (or root) and not writable by group or others, who could have
     * replaced what is in it ({@code replaceable} says what). Returns its mode.
     */
    public int checkDirectory(Path dir, String replaceable) throws IOException {
        PosixFileAttributes a = attributes(dir);
        checkOwner(dir, a);
        int mode = mode(a.permissions());
        if ((mode & GROUP_OTHER_WRITE) != 0) {
            throw new UnsafeException(dir + ": permissions " + octal(mode) + " let others write in it: they could "
                    + "have replaced " + replaceable + ". Fix: `chmod 700 " + dir + "`, then check those files");
        }
        return mode;
    }

    private void checkOwner(Path path, PosixFileAttributes a) throws IOException {
        int owner = (Integer) Files.getAttribute(path, "unix:uid", LinkOption.NOFOLLOW_LINKS);
        if (owner != uid && owner != 0) {
            String name = a.owner().getName();
            throw new UnsafeException(path + ": owned by " + name + " (uid " + owner + "), not by " + user + " (uid "
                    + uid + ") who runs this program" + (uid == 0 ? "" : ", nor by root") + ". Fix: run it as " + name + " (`runuser -u " + name
                    + " -- ...`), or if " + user + " is to own it, `chown " + user + ": " + path + "`");
        }
    }

    private static PosixFileAttributes attributes(Path path) throws IOException {
        try {
            return Files.readAttributes(path, PosixFileAttributes.class, LinkOption.NOFOLLOW_LINKS);
        } catch (NoSuchFileException e) {
            throw new NoSuchFileException(path.toString(), null, "does not exist");
        }
    }

    /** The permission bits as a number, e.g. 0644. */
    public static int mode(Set<PosixFilePermission> perms) {
        int mode = 0;
        for (PosixFilePermission p : perms) {
            mode |= 0400 >> p.ordinal();
        }
        return mode;
    }

    /** A mode as {@code ls} and {@code chmod} write it: four octal digits. */
    public static String octal(int mode) {
        return String.format("%04o", mode);
    }
}
