package dev.outpost.gateway.config;

/** The {@code tls} section: which TLS implementation the EST and ingest listeners use. */
public record TlsConfig(TlsProvider provider) {
    public TlsConfig {
        provider = provider == null ? TlsProvider.AUTO : provider;
    }

    public static TlsConfig defaults() {
        return new TlsConfig(null);
    }
}
