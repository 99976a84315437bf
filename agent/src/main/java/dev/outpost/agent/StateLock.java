package dev.outpost.agent;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.OverlappingFileLockException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;

/**
 * One daemon per state directory: two agents sharing a queue would send batches twice, and two renewing one
 * identity would look to the gateway like a copied key and get the agent locked. Held with an OS file lock on
 * {@code state_dir/agent.lock} (released by the kernel if the process dies), which holds the owner's pid.
 */
public final class StateLock implements AutoCloseable {
    public static final String FILE = "agent.lock";
    private final FileChannel channel;

    private StateLock(FileChannel channel) {
        this.channel = channel;
    }

    /** Another agent holds the state directory. */
    public static final class HeldException extends IOException {
        private static final long serialVersionUID = 1L;

        HeldException(String message) {
            super(message);
        }
    }

    /** Takes the lock of {@code stateDir}, or says which process holds it. */
    public static StateLock acquire(Path stateDir) throws IOException {
        Path file = stateDir.resolve(FILE);
        FileChannel ch = FileChannel.open(file, StandardOpenOption.CREATE, StandardOpenOption.READ,
                StandardOpenOption.WRITE);
        FileLock lock;
        try {
            lock = ch.tryLock();
        } catch (OverlappingFileLockException e) {
            lock = null;
        } catch (IOException e) {
            ch.close();
            throw e;
        }
        if (lock == null) {
            String owner = Files.readString(file, StandardCharsets.US_ASCII).strip();
            ch.close();
            throw new HeldException("another outpost-agent" + (owner.isEmpty() ? "" : " (pid " + owner + ")")
                    + " is running with the state directory " + stateDir + "; stop it first, or give this one its own "
                    + "state_dir");
        }
        try {
            ch.truncate(0);
            ch.write(ByteBuffer.wrap((ProcessHandle.current().pid() + "\n").getBytes(StandardCharsets.US_ASCII)), 0);
            ch.force(false);
        } catch (IOException e) {
            // A full disk: the lock holds without the pid, which only makes the message above name it.
        }
        return new StateLock(ch);
    }

    /** Releases the lock (the kernel releases it anyway when the process ends, however it ends). */
    @Override
    public void close() {
        try {
            channel.close();
        } catch (IOException e) {
            // the lock goes with the file descriptor; nothing is left to undo
        }
    }
}
