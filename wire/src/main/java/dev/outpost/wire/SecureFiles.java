package dev.outpost.wire;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.FileSystemException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.FileAttribute;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.EnumSet;
import java.util.Set;

/**
 * Writes files atomically (temporary file, fsync, rename) with their permissions set at creation, so that
 * a secret is never readable by others, not even for a moment, and a crash never leaves half a file.
 */
public final class SecureFiles {
    /** Opening a new file for writing, failing if it exists: made once, not at every write. */
    private static final Set<StandardOpenOption> CREATE_NEW =
            EnumSet.of(StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE);
    /** rw------- : private keys, master keys, tokens, the pepper. */
    public static final Set<PosixFilePermission> OWNER_ONLY = PosixFilePermissions.fromString("rw-------");
    /** rw-r--r-- : certificates and other public material. */
    public static final Set<PosixFilePermission> PUBLIC = PosixFilePermissions.fromString("rw-r--r--");
    /** rwx------ : directories holding secrets. */
    public static final Set<PosixFilePermission> PRIVATE_DIR = PosixFilePermissions.fromString("rwx------");

    private SecureFiles() {
    }

    /** Atomically replaces {@code target} with {@code content}, created with {@code perms}, and forces it to disk. */
    public static void write(Path target, byte[] content, Set<PosixFilePermission> perms) throws IOException {
        write(target, content, perms, true);
    }

    /**
     * Atomically replaces {@code target} like {@link #write(Path, byte[], Set)}, without forcing it to disk (no
     * fsync of the file or its directory): for a file its writer rewrites often and again after a restart (the
     * agent's {@code status.json}, after every push), where the two fsyncs cost most of a write's CPU (0.7-1 ms
     * instead of 0.15-0.2 here). Readers see the old or the new content; a power loss may lose the last writes.
     */
    public static void replace(Path target, byte[] content, Set<PosixFilePermission> perms) throws IOException {
        write(target, content, perms, false);
    }

    private static void write(Path target, byte[] content, Set<PosixFilePermission> perms, boolean durable)
            throws IOException {
        Path dir = target.toAbsolutePath().getParent();
        Path tmp = dir.resolve("." + target.getFileName() + ".tmp");
        FileAttribute<Set<PosixFilePermission>> mode = PosixFilePermissions.asFileAttribute(perms);
        // The temporary file is made with O_EXCL (never through a link an attacker left there) and is normally
        // absent: the directory and a leftover of a crashed write are dealt with only when the creation fails.
        // Looking first cost two stat calls and an exception thrown and caught inside the JDK at every write (the
        // agent's status file, after every push), which the interpreter makes the most expensive part of a write.
        try (FileChannel ch = createTemporary(dir, tmp, mode)) {
            ByteBuffer buf = ByteBuffer.wrap(content);
            while (buf.hasRemaining()) {
                ch.write(buf);
            }
            if (durable) {
                ch.force(true);
            }
        }
        // The umask may have removed bits we asked for; never added any.
        Files.setPosixFilePermissions(tmp, perms);
        try {
            Files.move(tmp, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        } catch (AtomicMoveNotSupportedException e) {
            Files.move(tmp, target, StandardCopyOption.REPLACE_EXISTING);
        }
        if (durable) {
            syncDirectory(dir);
        }
    }

    private static FileChannel createTemporary(Path dir, Path tmp, FileAttribute<Set<PosixFilePermission>> mode)
            throws IOException {
        try {
            return FileChannel.open(tmp, CREATE_NEW, mode);
        } catch (FileAlreadyExistsException e) {
            Files.delete(tmp); // left by a write that died half-way (a link is removed, not followed)
            return FileChannel.open(tmp, CREATE_NEW, mode);
        } catch (FileSystemException e) { // no such directory (or a file in its place: refused below, as before)
            if (Files.isDirectory(dir, LinkOption.NOFOLLOW_LINKS)) {
                throw e;
            }
            Files.createDirectories(dir);
            return FileChannel.open(tmp, CREATE_NEW, mode);
        }
    }

    /** Like {@link #write(Path, byte[], Set)} for text. */
    public static void write(Path target, String content, Set<PosixFilePermission> perms) throws IOException {
        write(target, content.getBytes(StandardCharsets.UTF_8), perms);
    }

    /** Creates {@code target} with {@code content} and {@code perms}, failing if it already exists. */
    public static void create(Path target, byte[] content, Set<PosixFilePermission> perms) throws IOException {
        if (Files.exists(target, LinkOption.NOFOLLOW_LINKS)) {
            throw new FileAlreadyExistsException(target.toString(), null, "refusing to overwrite");
        }
        write(target, content, perms);
    }

    /** Creates a directory (and parents) and sets its permissions. */
    public static Path directory(Path dir, Set<PosixFilePermission> perms) throws IOException {
        Files.createDirectories(dir);
        Files.setPosixFilePermissions(dir, perms);
        return dir;
    }

    private static void syncDirectory(Path dir) {
        try (FileChannel ch = FileChannel.open(dir, StandardOpenOption.READ)) {
            ch.force(true);
        } catch (IOException e) {
            // Some file systems cannot open a directory for sync; the rename is still atomic.
        }
    }
}
