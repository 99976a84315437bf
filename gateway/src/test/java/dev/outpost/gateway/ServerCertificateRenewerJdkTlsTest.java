package dev.outpost.gateway;

import java.util.Map;

/** Every test of {@link ServerCertificateRenewerTest} (hot swap of the server certificate) with the JDK's TLS. */
class ServerCertificateRenewerJdkTlsTest extends ServerCertificateRenewerTest {
    @Override
    Map<String, String> tls() {
        return Map.of("OUTPOST_GATEWAY_TLS_PROVIDER", "jdk");
    }
}
