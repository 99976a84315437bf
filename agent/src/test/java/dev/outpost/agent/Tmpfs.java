package dev.outpost.agent;

import static org.junit.jupiter.api.Assertions.fail;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;

/**
 * A real, small file system (tmpfs) for tests of a full or read-only disk. Mounting needs root, which CI has; where
 * the mount fails the test fails, so a full disk is never silently left untested.
 */
public final class Tmpfs implements AutoCloseable {
    private final Path mountPoint;

    private Tmpfs(Path mountPoint) {
        this.mountPoint = mountPoint;
    }

    /** Mounts a tmpfs of {@code size} (e.g. {@code 256k}) on {@code dir}, created if needed. */
    public static Tmpfs mount(Path dir, String size) throws IOException, InterruptedException {
        Files.createDirectories(dir);
        String out = run("mount", "-t", "tmpfs", "-o", "size=" + size + ",mode=0700", "tmpfs", dir.toString());
        if (out != null) {
            fail("cannot mount a " + size + " tmpfs for a disk-full test (it needs root, as in CI): " + out);
        }
        return new Tmpfs(dir);
    }

    public Path path() {
        return mountPoint;
    }

    /** Fills what is left with the file {@code name} until the file system refuses; returns that file. */
    public Path fill(String name) throws IOException {
        Path filler = mountPoint.resolve(name);
        byte[] block = new byte[4096];
        try (OutputStream out = Files.newOutputStream(filler)) {
            for (int i = 0; i < 1 << 20; i++) { // bounded: 4 GiB at most
                out.write(block);
                out.flush();
            }
        } catch (IOException e) {
            if (!String.valueOf(e.getMessage()).contains("No space left")) {
                throw e;
            }
            return filler;
        }
        throw new IllegalStateException(mountPoint + " did not fill up");
    }

    /** Remounts read-only ({@code true}) or read-write. */
    public void readOnly(boolean ro) throws IOException, InterruptedException {
        String out = run("mount", "-o", "remount," + (ro ? "ro" : "rw"), mountPoint.toString());
        if (out != null) {
            throw new IOException(out);
        }
    }

    @Override
    public void close() throws IOException, InterruptedException {
        if (run("umount", mountPoint.toString()) != null) {
            String lazy = run("umount", "-l", mountPoint.toString());
            if (lazy != null) {
                throw new IOException("could not unmount " + mountPoint + ": " + lazy);
            }
        }
    }

    /** Runs a command for at most 10 s; null if it succeeded, else what it said and its exit code. */
    static String run(String... command) throws IOException, InterruptedException {
        Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
        if (!p.waitFor(10, TimeUnit.SECONDS)) {
            p.destroyForcibly().waitFor(5, TimeUnit.SECONDS);
            return String.join(" ", command) + " did not finish within 10 s";
        }
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).trim();
        return p.exitValue() == 0 ? null : String.join(" ", command) + " exited " + p.exitValue() + ": " + out;
    }
}
