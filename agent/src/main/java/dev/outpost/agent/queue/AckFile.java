package dev.outpost.agent.queue;

import dev.outpost.wire.SecureFiles;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The queue's {@code ack} file: the highest acknowledged sequence number and the highest one dropped to keep
 * the bounds, as two lines {@code ack=N} and {@code dropped_through=N}. Changes are written at most every
 * {@link #WRITE_INTERVAL_MILLIS} unless forced, so a crash resends at most that much.
 * <p>
 * The first write of a process replaces the file atomically; later ones overwrite its {@value #LENGTH} bytes in place
 * through a descriptor kept open (one pwrite, where a replacement took eight system calls and most of the push
 * thread's time in the interpreter, and which needs no free block on a full disk). Only forced writes (drops,
 * closing) are forced to disk: a power loss that takes back an acknowledgement, or tears the write (the file then
 * reads as unreadable), makes the agent send again batches the gateway already stored, and the gateway recognises
 * them (at or below its watermark, no newer data) and stores nothing twice.
 */
final class AckFile {
    static final String NAME = "ack";
    static final long WRITE_INTERVAL_MILLIS = 200;
    private static final Logger LOG = LoggerFactory.getLogger(AckFile.class);

    /** Everything at or below {@link #floor()} is gone from the queue. */
    record State(long acked, long droppedThrough) {
        long floor() {
            return Math.max(acked, droppedThrough);
        }

        /** Written out: the record's generated equality loads java.lang.runtime.ObjectMethods and its handles. */
        @Override
        public boolean equals(Object o) {
            return o instanceof State s && acked == s.acked && droppedThrough == s.droppedThrough;
        }

        @Override
        public int hashCode() {
            return Long.hashCode(acked) * 31 + Long.hashCode(droppedThrough);
        }
    }

    private static final int DIGITS = 19;
    static final int LENGTH = "ack=".length() + DIGITS + 1 + "dropped_through=".length() + DIGITS + 1;

    private final Path path;
    /** The file, kept open after the first write of this process: later writes overwrite it in place. */
    private FileChannel channel;
    private State state = new State(0, 0);
    private boolean dirty;
    private boolean written;
    private boolean failing;
    private long lastWrite;

    AckFile(Path dir) {
        this.path = dir.resolve(NAME);
    }

    /**
     * The stored state; empty if there is no file yet. An unreadable file counts as absent (logged): the queue
     * then delivers again what it still holds, which the gateway dedupes, rather than losing anything.
     */
    Optional<State> load() throws IOException {
        Optional<State> stored = read();
        state = stored.orElse(state);
        return stored;
    }

    private Optional<State> read() throws IOException {
        String text;
        try {
            text = new String(Files.readAllBytes(path), StandardCharsets.UTF_8);
        } catch (NoSuchFileException e) {
            return Optional.empty();
        }
        Long acked = null;
        Long dropped = null;
        for (String line : text.split("\n")) {
            int eq = line.indexOf('=');
            String key = eq < 0 ? line : line.substring(0, eq).trim();
            Long value = eq < 0 ? null : parse(line.substring(eq + 1).trim());
            if (key.equals("ack")) {
                acked = value;
            } else if (key.equals("dropped_through")) {
                dropped = value;
            }
        }
        if (acked == null || dropped == null) {
            LOG.warn("queue acknowledgement file {} is unreadable; records still on disk will be sent again", path);
            return Optional.empty();
        }
        return Optional.of(new State(acked, dropped));
    }

    /** Takes the state to write next. */
    void update(State next) {
        // Compared field by field: a record's equals goes through an invokedynamic bootstrap and method handles,
        // many times the cost of two comparisons in the interpreter, and this runs at every append, peek and ack.
        dirty |= next.acked() != state.acked() || next.droppedThrough() != state.droppedThrough();
        state = next;
    }

    /**
     * Writes a changed state if {@code force}d or the last write was long enough before {@code nowMillis}. A write
     * that fails (a full disk) is logged once and tried again with the next change: until then a crash only sends
     * again batches the gateway already has, and it recognises them.
     */
    void flush(long nowMillis, boolean force) {
        boolean recent = written && nowMillis >= lastWrite && nowMillis - lastWrite < WRITE_INTERVAL_MILLIS;
        if (!dirty || recent && !force) {
            return;
        }
        byte[] text = text(state.acked(), state.droppedThrough());
        try {
            if (channel == null) {
                // The first write of this process: replaced whole (created with its permissions, a leftover of an
                // earlier format or a link in its place gone), then kept open and overwritten in place.
                if (force) {
                    SecureFiles.write(path, text, SecureFiles.OWNER_ONLY);
                } else {
                    SecureFiles.replace(path, text, SecureFiles.OWNER_ONLY);
                }
                channel = FileChannel.open(path, StandardOpenOption.WRITE, LinkOption.NOFOLLOW_LINKS);
            } else {
                ByteBuffer buf = ByteBuffer.wrap(text);
                for (long at = 0; buf.hasRemaining(); at = buf.position()) {
                    channel.write(buf, at);
                }
                if (force) {
                    channel.force(false);
                }
            }
        } catch (IOException e) {
            close();
            if (!failing) {
                LOG.warn("cannot write {} ({}); acknowledgements are kept in memory and written once it can be "
                        + "(after a crash meanwhile, batches already delivered are sent again, and the gateway "
                        + "recognises them)", path, e.getMessage());
                failing = true;
            }
            return;
        }
        if (failing) {
            LOG.info("{} is written again", path);
            failing = false;
        }
        dirty = false;
        written = true;
        lastWrite = nowMillis;
    }

    /**
     * The file's content: both numbers zero-padded to 19 digits (any long), so that every write is the same
     * {@value #LENGTH} bytes at offset 0 and overwrites the last whole. Read back by {@link Long#parseLong} (also by
     * versions that wrote them unpadded).
     */
    static byte[] text(long acked, long droppedThrough) {
        byte[] out = new byte[LENGTH];
        int at = put(out, 0, "ack=", acked);
        put(out, at, "dropped_through=", droppedThrough);
        return out;
    }

    private static int put(byte[] out, int at, String key, long value) {
        for (int i = 0; i < key.length(); i++) {
            out[at++] = (byte) key.charAt(i);
        }
        long v = value;
        for (int i = at + DIGITS - 1; i >= at; i--) {
            out[i] = (byte) ('0' + v % 10);
            v /= 10;
        }
        out[at + DIGITS] = '\n';
        return at + DIGITS + 1;
    }

    /** Closes the kept file; the next write replaces it whole again. */
    void close() {
        if (channel != null) {
            try {
                channel.close();
            } catch (IOException e) {
                // written or not, nothing more to do with it
            }
            channel = null;
        }
    }

    private static Long parse(String s) {
        try {
            return Long.parseLong(s);
        } catch (NumberFormatException e) {
            return null;
        }
    }
}
