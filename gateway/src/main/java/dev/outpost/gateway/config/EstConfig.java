package dev.outpost.gateway.config;

import java.net.InetSocketAddress;

/** The {@code est} section: where the enrollment (EST, RFC 7030) listener accepts connections. */
public record EstConfig(InetSocketAddress listen) {
    public static final InetSocketAddress DEFAULT_LISTEN = ListenAddresses.parse("0.0.0.0:8443");

    public EstConfig {
        listen = listen == null ? DEFAULT_LISTEN : listen;
    }

    public static EstConfig defaults() {
        return new EstConfig(null);
    }
}
