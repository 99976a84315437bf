package dev.outpost.gateway.config;

import com.fasterxml.jackson.annotation.JsonCreator;
import com.fasterxml.jackson.annotation.JsonProperty;
import dev.outpost.wire.config.Violations;
import java.nio.file.Path;
import java.time.Duration;

/**
 * The {@code sink.file} section: the directory of the NDJSON files (relative to the gateway directory unless
 * absolute), when a file is rotated (size, age), how much is kept (total bytes, bytes per org, age, file count)
 * and whether files are gzip-compressed.
 */
public record FileSinkConfig(Path dir, long maxFileBytes, Duration maxFileAge, long maxTotalBytes, long maxOrgBytes,
        Duration maxAge, int maxFiles, Compression compression) {
    public static final Path DEFAULT_DIR = Path.of("metrics");
    public static final long DEFAULT_MAX_FILE_BYTES = 64L << 20;
    public static final Duration DEFAULT_MAX_FILE_AGE = Duration.ofHours(1);
    public static final long DEFAULT_MAX_TOTAL_BYTES = 10L << 30;
    public static final Duration DEFAULT_MAX_AGE = Duration.ofDays(7);
    public static final int DEFAULT_MAX_FILES = 100_000;

    /** How files are written. */
    public enum Compression {
        /** One gzip member per delivery: {@code zcat}/{@code zgrep} read the files; about 10x smaller. */
        GZIP,
        /** Plain NDJSON. */
        NONE
    }

    /**
     * @throws dev.outpost.wire.config.InvalidConfigException naming each value out of range
     */
    public FileSinkConfig {
        Violations v = new Violations();
        if (dir == null) {
            v.add("dir", "missing; use e.g. \"metrics\"");
        }
        v.bytesBetween("max_file_bytes", maxFileBytes, 1L << 20, 4L << 30, DEFAULT_MAX_FILE_BYTES);
        v.durationBetween("max_file_age", maxFileAge, Duration.ofMinutes(1), Duration.ofDays(1), DEFAULT_MAX_FILE_AGE);
        v.bytesBetween("max_total_bytes", maxTotalBytes, 16L << 20, 1L << 50, DEFAULT_MAX_TOTAL_BYTES);
        if (maxOrgBytes != 0) {
            v.bytesBetween("max_org_bytes", maxOrgBytes, 16L << 20, 1L << 50, 1L << 30);
        }
        if (!maxAge.isZero()) {
            v.durationBetween("max_age", maxAge, Duration.ofHours(1), Duration.ofDays(3650), DEFAULT_MAX_AGE);
        }
        v.between("max_files", maxFiles, 2, 10_000_000, DEFAULT_MAX_FILES);
        if (compression == null) {
            v.add("compression", "missing; use \"gzip\" or \"none\"");
        }
        v.throwIfAny();
    }

    /** How the file binds: an absent key is {@code null} and takes its default. */
    @JsonCreator
    static FileSinkConfig of(@JsonProperty("dir") Path dir, @JsonProperty("max_file_bytes") Long maxFileBytes,
            @JsonProperty("max_file_age") Duration maxFileAge, @JsonProperty("max_total_bytes") Long maxTotalBytes,
            @JsonProperty("max_org_bytes") Long maxOrgBytes, @JsonProperty("max_age") Duration maxAge,
            @JsonProperty("max_files") Integer maxFiles, @JsonProperty("compression") Compression compression) {
        return new FileSinkConfig(dir == null ? DEFAULT_DIR : dir,
                maxFileBytes == null ? DEFAULT_MAX_FILE_BYTES : maxFileBytes,
                maxFileAge == null ? DEFAULT_MAX_FILE_AGE : maxFileAge,
                maxTotalBytes == null ? DEFAULT_MAX_TOTAL_BYTES : maxTotalBytes,
                maxOrgBytes == null ? 0 : maxOrgBytes,
                maxAge == null ? DEFAULT_MAX_AGE : maxAge,
                maxFiles == null ? DEFAULT_MAX_FILES : maxFiles,
                compression == null ? Compression.GZIP : compression);
    }

    public static FileSinkConfig defaults() {
        return of(null, null, null, null, null, null, null, null);
    }

    /** The directory, resolved against the gateway directory if relative. */
    public Path dirIn(Path gatewayDir) {
        return gatewayDir.resolve(dir);
    }
}
