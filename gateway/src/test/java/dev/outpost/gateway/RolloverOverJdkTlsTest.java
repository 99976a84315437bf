package dev.outpost.gateway;

import java.util.Map;

/** Every test of {@link RolloverOverTlsTest} with the JDK's TLS serving both listeners. */
class RolloverOverJdkTlsTest extends RolloverOverTlsTest {
    @Override
    Map<String, String> tls() {
        return Map.of("OUTPOST_GATEWAY_TLS_PROVIDER", "jdk");
    }
}
