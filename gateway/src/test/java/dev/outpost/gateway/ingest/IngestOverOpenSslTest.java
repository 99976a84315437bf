package dev.outpost.gateway.ingest;

import io.netty.handler.ssl.SslProvider;

/**
 * Every test of {@link IngestOverTlsTest} with OpenSSL (BoringSSL) serving the listener: trust, expired certificates,
 * identity from the certificate, deadlines, caps, the bound of handshake work on the handshake threads, and the
 * redacted log of plain HTTP sent to the TLS port.
 */
class IngestOverOpenSslTest extends IngestOverTlsTest {
    @Override
    SslProvider provider() {
        return SslProvider.OPENSSL;
    }
}
