package dev.outpost.gateway.config;

/**
 * Which TLS implementation serves the two listeners ({@code tls.provider}). Both give the same protocol versions,
 * suites, trust and client-certificate checks; OpenSSL (BoringSSL, from Netty's netty-tcnative, shipped for Linux
 * x86_64 only) costs a fraction of the JDK's CPU per handshake and per record.
 */
public enum TlsProvider {
    /** OpenSSL when its native library loads on this host, else the JDK's (the default). */
    AUTO,
    /** The JDK's TLS (no native code). */
    JDK,
    /** OpenSSL, or the gateway does not start (exit 78) when its native library cannot be loaded. */
    OPENSSL
}
