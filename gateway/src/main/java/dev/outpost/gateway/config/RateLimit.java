package dev.outpost.gateway.config;

import dev.outpost.wire.config.Violations;

/**
 * Rates one org or one agent may sustain on the ingest listener: requests, bytes as sent, and data points per
 * second; 0 means no limit. Each is a token bucket holding {@code burst_seconds} of its rate.
 */
public interface RateLimit {
    long requestsPerSecond();

    long bytesPerSecond();

    long pointsPerSecond();

    /** The range checks both sections share. */
    static void check(Violations v, long requests, long bytes, long points) {
        v.between("requests_per_second", requests, 0, 10_000_000, 20);
        v.bytesBetween("bytes_per_second", bytes, 0, 1L << 40, 4L << 20);
        v.between("points_per_second", points, 0, 1_000_000_000, 50_000);
    }
}
