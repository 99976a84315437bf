package dev.outpost.gateway.config;

import dev.outpost.wire.config.Violations;
import java.time.Duration;

/**
 * The connection bounds of one listener ({@code est.connections}, {@code ingest.connections}): how many connections
 * it holds at once, in all and per source address (more are closed at once, before the TLS handshake), how many
 * TLS handshakes it works on at once (more connections wait to be accepted), and its
 * deadlines: for the TLS handshake, for a request from its first byte to its last (so a client trickling one byte
 * now and then is cut off), and for an idle connection between requests.
 */
public interface ListenerConnections {
    int max();

    int maxPerAddress();

    /** TLS handshakes in progress at once; at this many the listener stops accepting until one ends. */
    int maxHandshakes();

    Duration handshakeTimeout();

    Duration requestTimeout();

    Duration idleTimeout();

    Duration DEFAULT_HANDSHAKE_TIMEOUT = Duration.ofSeconds(10);
    Duration DEFAULT_REQUEST_TIMEOUT = Duration.ofSeconds(30);
    int DEFAULT_MAX_HANDSHAKES = 64;

    /** The range checks both listeners share; each listener's record calls it from its constructor. */
    static void check(Violations v, int max, int maxPerAddress, int maxHandshakes, Duration handshakeTimeout,
            Duration requestTimeout, Duration idleTimeout) {
        v.between("max", max, 1, 1_000_000, 20_000);
        v.between("max_per_address", maxPerAddress, 1, 1_000_000, 256);
        v.between("max_handshakes", maxHandshakes, 1, 100_000, DEFAULT_MAX_HANDSHAKES);
        v.durationBetween("handshake_timeout", handshakeTimeout, Duration.ofSeconds(1), Duration.ofMinutes(5),
                DEFAULT_HANDSHAKE_TIMEOUT);
        v.durationBetween("request_timeout", requestTimeout, Duration.ofSeconds(1), Duration.ofMinutes(10),
                DEFAULT_REQUEST_TIMEOUT);
        v.durationBetween("idle_timeout", idleTimeout, Duration.ofSeconds(1), Duration.ofHours(24),
                Duration.ofMinutes(5));
    }
}
