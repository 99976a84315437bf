package dev.outpost.agent.transport;

import dev.outpost.wire.SecureFiles;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.List;
import java.util.Objects;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The idempotency key of each batch, {@code <agent id>:<record sequence + offset>}. The offset is 0 until the gateway
 * shows that it had already stored the sequence numbers this queue is using (see {@link KeyRebase}); it is then
 * raised so that keys continue above what the gateway stored. It is kept with the agent id in the queue's directory
 * ({@code state_dir/queue/key-offset}), written atomically before any key uses it, so keys only grow, across restarts
 * too. It belongs to the queue's numbering: a queue deleted by hand takes it along, and a new queue, numbered from
 * the clock, starts above every key sent before. The queue's own numbers never change.
 */
public final class BatchKeys {
    public static final String FILE = "key-offset";
    private static final Logger LOG = LoggerFactory.getLogger("outpost.agent.push");
    private final String agentId;
    private final Path file;
    private volatile long offset;

    private BatchKeys(String agentId, Path file, long offset) {
        this.agentId = agentId;
        this.file = file;
        this.offset = offset;
    }

    /**
     * The keys of {@code agentId}, with the offset kept in {@code queueDir}; an offset kept for another agent id (the
     * host enrolled again) does not apply. An unreadable file counts as offset 0 (logged): the gateway still stores
     * every batch whose data is newer, and shows again where keys must continue.
     */
    public static BatchKeys load(String agentId, Path queueDir) throws IOException {
        if (agentId == null || agentId.isEmpty() || agentId.contains("\n")) {
            throw new IllegalArgumentException("agent id \"" + agentId + "\" must be one word");
        }
        Path file = Objects.requireNonNull(queueDir, "queueDir").resolve(FILE);
        List<String> lines;
        try {
            lines = Files.readAllLines(file, StandardCharsets.US_ASCII);
        } catch (NoSuchFileException e) {
            return new BatchKeys(agentId, file, 0);
        }
        if (lines.size() == 2 && lines.get(0).startsWith("agent=") && lines.get(1).matches("offset=\\d{1,18}")) {
            long offset = Long.parseLong(lines.get(1).substring("offset=".length()));
            return new BatchKeys(agentId, file, lines.get(0).equals("agent=" + agentId) ? offset : 0);
        }
        LOG.warn("{} is unreadable (expected the lines agent=ID and offset=N); batch keys are the queue's sequence "
                + "numbers until the gateway shows where to continue", file);
        return new BatchKeys(agentId, file, 0);
    }

    /** The number in the key of record {@code seq}: the key is {@code <agent id>:<number>}. */
    public long number(long seq) {
        return seq + offset;
    }

    /** What is added to a record's sequence number in its key; 0 unless the gateway showed the numbers in use. */
    public long offset() {
        return offset;
    }

    public String agentId() {
        return agentId;
    }

    public Path file() {
        return file;
    }

    /** Raises the offset to {@code next}: written (atomically, fsynced) first, used only once it is on disk. */
    void raise(long next) throws IOException {
        if (next <= offset) {
            throw new IllegalArgumentException("offset " + next + " must be above " + offset + ": keys only grow");
        }
        SecureFiles.write(file, "agent=" + agentId + "\noffset=" + next + "\n", SecureFiles.OWNER_ONLY);
        offset = next;
    }
}
