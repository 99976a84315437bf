package dev.outpost.gateway.ingest;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Objects;
import java.util.OptionalInt;
import java.util.concurrent.atomic.AtomicBoolean;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Maintenance mode for operators doing storage work: while the file {@code <gateway dir>/maintenance} exists,
 * ingest answers every request 503 with {@code Retry-After} set to the file's content if that is a number of
 * seconds from 1 to 3600, else 30. Checked on every request, so creating or removing the file takes effect at once.
 */
public final class Maintenance {
    /** Retry-After when the file does not hold a usable number of seconds. */
    public static final int DEFAULT_RETRY_AFTER = 30;
    public static final int MAX_RETRY_AFTER = 3600;
    private static final Logger LOG = LoggerFactory.getLogger("outpost.gateway.ingest");
    private final Path file;
    private final AtomicBoolean on = new AtomicBoolean();

    public Maintenance(Path file) {
        this.file = Objects.requireNonNull(file, "file");
    }

    /** The Retry-After seconds to answer with while in maintenance; empty when serving normally. */
    public OptionalInt retryAfter() {
        if (!Files.exists(file)) {
            if (on.compareAndSet(true, false)) {
                LOG.info("ingest: maintenance mode off ({} is gone); storing batches again", file);
            }
            return OptionalInt.empty();
        }
        int seconds = seconds();
        if (on.compareAndSet(false, true)) {
            LOG.warn("ingest: maintenance mode on ({} exists); answering every batch 503 with Retry-After: {}", file,
                    seconds);
        }
        return OptionalInt.of(seconds);
    }

    private int seconds() {
        try (InputStream in = Files.newInputStream(file)) {
            byte[] head = in.readNBytes(17);
            String text = new String(head, StandardCharsets.US_ASCII).strip();
            if (head.length <= 16 && text.matches("[0-9]{1,4}")) {
                int n = Integer.parseInt(text);
                if (n >= 1 && n <= MAX_RETRY_AFTER) {
                    return n;
                }
            }
        } catch (IOException e) {
            // Unreadable (or removed just now): still in maintenance for this request, with the default.
        }
        return DEFAULT_RETRY_AFTER;
    }
}
