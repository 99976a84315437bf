package dev.outpost.gateway.config;

import com.fasterxml.jackson.annotation.JsonCreator;
import com.fasterxml.jackson.annotation.JsonProperty;
import dev.outpost.wire.config.Violations;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;

/**
 * The {@code sink.otlp} section: an OTLP/HTTP receiver (an OpenTelemetry Collector, a vendor) that gets the
 * stamped batches as protobuf with gzip, how to reach it ({@link RemoteEndpoint}), and how large one request may
 * be before it is split.
 */
public record OtlpSinkConfig(String url, String tenantHeader, Map<String, String> headers, String basicAuthUsername,
        Path basicAuthPasswordFile, Path bearerTokenFile, Path tlsCaFile, Path tlsCertFile, Path tlsKeyFile,
        Duration timeout, long maxBytesPerRequest) implements RemoteEndpoint {
    public static final Duration DEFAULT_TIMEOUT = Duration.ofSeconds(5);
    public static final long DEFAULT_MAX_BYTES_PER_REQUEST = 4L << 20;

    /**
     * @throws dev.outpost.wire.config.InvalidConfigException naming each bad value
     */
    public OtlpSinkConfig {
        headers = Map.copyOf(headers);
        Violations v = new Violations();
        RemoteEndpoint.check(v, url, tenantHeader, headers, basicAuthUsername, basicAuthPasswordFile,
                bearerTokenFile, tlsCaFile, tlsCertFile, tlsKeyFile, timeout, "https://collector:4318/v1/metrics");
        v.bytesBetween("max_bytes_per_request", maxBytesPerRequest, 64 << 10, 256L << 20,
                DEFAULT_MAX_BYTES_PER_REQUEST);
        v.throwIfAny();
    }

    /** How the file binds: an absent key is {@code null} and takes its default; {@code url} is needed when this sink is used. */
    @JsonCreator
    static OtlpSinkConfig of(@JsonProperty("url") String url, @JsonProperty("tenant_header") String tenantHeader,
            @JsonProperty("headers") Map<String, String> headers,
            @JsonProperty("basic_auth_username") String basicAuthUsername,
            @JsonProperty("basic_auth_password_file") Path basicAuthPasswordFile,
            @JsonProperty("bearer_token_file") Path bearerTokenFile,
            @JsonProperty("tls_ca_file") Path tlsCaFile,
            @JsonProperty("tls_cert_file") Path tlsCertFile,
            @JsonProperty("tls_key_file") Path tlsKeyFile,
            @JsonProperty("timeout") Duration timeout,
            @JsonProperty("max_bytes_per_request") Long maxBytesPerRequest) {
        return new OtlpSinkConfig(url == null ? "" : url, tenantHeader == null ? "" : tenantHeader, headers == null ? Map.of() : headers,
                basicAuthUsername == null ? "" : basicAuthUsername, basicAuthPasswordFile, bearerTokenFile,
                tlsCaFile, tlsCertFile, tlsKeyFile, timeout == null ? DEFAULT_TIMEOUT : timeout,
                maxBytesPerRequest == null ? DEFAULT_MAX_BYTES_PER_REQUEST : maxBytesPerRequest);
    }

    /** The section when absent: no URL (the sink is not used), every other key at its default. */
    public static OtlpSinkConfig defaults() {
        return of(null, null, null, null, null, null, null, null, null, null, null);
    }
}
