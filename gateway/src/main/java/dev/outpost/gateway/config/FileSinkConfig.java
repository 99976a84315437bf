package dev.outpost.gateway.config;

import com.fasterxml.jackson.annotation.JsonCreator;
import com.fasterxml.jackson.annotation.JsonProperty;
import dev.outpost.wire.config.Violations;
import java.nio.file.Path;

/**
 * The {@code sink.file} section: the NDJSON files' directory (relative to the gateway directory unless
 * absolute), the size at which a file is rotated, and how many files are kept before the oldest is deleted.
 */
public record FileSinkConfig(Path dir, long maxFileBytes, int maxFiles) {
    public static final Path DEFAULT_DIR = Path.of("metrics");
    public static final long DEFAULT_MAX_FILE_BYTES = 64L << 20;
    public static final int DEFAULT_MAX_FILES = 20;

    /**
     * @throws dev.outpost.wire.config.InvalidConfigException naming each value out of range
     */
    public FileSinkConfig {
        Violations v = new Violations();
        if (dir == null) {
            v.add("dir", "missing; use e.g. \"metrics\"");
        }
        v.bytesBetween("max_file_bytes", maxFileBytes, 1L << 20, 4L << 30, DEFAULT_MAX_FILE_BYTES);
        v.between("max_files", maxFiles, 1, 100_000, DEFAULT_MAX_FILES);
        v.throwIfAny();
    }

    /** How the file binds: an absent key is {@code null} and takes its default. */
    @JsonCreator
    static FileSinkConfig of(@JsonProperty("dir") Path dir, @JsonProperty("max_file_bytes") Long maxFileBytes,
            @JsonProperty("max_files") Integer maxFiles) {
        return new FileSinkConfig(dir == null ? DEFAULT_DIR : dir,
                maxFileBytes == null ? DEFAULT_MAX_FILE_BYTES : maxFileBytes,
                maxFiles == null ? DEFAULT_MAX_FILES : maxFiles);
    }

    public static FileSinkConfig defaults() {
        return of(null, null, null);
    }

    /** The directory, resolved against the gateway directory if relative. */
    public Path dirIn(Path gatewayDir) {
        return gatewayDir.resolve(dir);
    }
}
