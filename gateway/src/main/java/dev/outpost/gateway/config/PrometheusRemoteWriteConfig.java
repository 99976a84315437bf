package dev.outpost.gateway.config;

import com.fasterxml.jackson.annotation.JsonCreator;
import com.fasterxml.jackson.annotation.JsonProperty;
import dev.outpost.wire.config.Violations;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;

/**
 * The {@code sink.prometheus_remote_write} section: a Prometheus remote write 1.0 endpoint (Prometheus with
 * {@code --web.enable-remote-write-receiver}, Mimir, Cortex, Thanos receive, VictoriaMetrics), how to reach it
 * ({@link RemoteEndpoint}), how large one request may be, how many run at once, and which resource attributes
 * become labels of every series besides {@code job}, {@code instance}, {@code outpost_org} and
 * {@code outpost_agent} (the rest are in {@code target_info}).
 */
public record PrometheusRemoteWriteConfig(String url, String tenantHeader, Map<String, String> headers,
        String basicAuthUsername, Path basicAuthPasswordFile, Path bearerTokenFile, Path tlsCaFile, Path tlsCertFile,
        Path tlsKeyFile, Duration timeout, int maxSamplesPerRequest, int maxConcurrentRequests,
        List<String> resourceLabels) implements RemoteEndpoint {
    public static final Duration DEFAULT_TIMEOUT = Duration.ofSeconds(5);
    public static final int DEFAULT_MAX_SAMPLES_PER_REQUEST = 10_000;
    public static final int DEFAULT_MAX_CONCURRENT_REQUESTS = 4;
    public static final List<String> DEFAULT_RESOURCE_LABELS = List.of("host.name");

    /**
     * @throws dev.outpost.wire.config.InvalidConfigException naming each bad value
     */
    public PrometheusRemoteWriteConfig {
        headers = Map.copyOf(headers);
        resourceLabels = List.copyOf(resourceLabels);
        Violations v = new Violations();
        RemoteEndpoint.check(v, url, tenantHeader, headers, basicAuthUsername, basicAuthPasswordFile,
                bearerTokenFile, tlsCaFile, tlsCertFile, tlsKeyFile, timeout, "http://127.0.0.1:9090/api/v1/write");
        v.between("max_samples_per_request", maxSamplesPerRequest, 100, 1_000_000, DEFAULT_MAX_SAMPLES_PER_REQUEST);
        v.between("max_concurrent_requests", maxConcurrentRequests, 1, 64, DEFAULT_MAX_CONCURRENT_REQUESTS);
        v.noEmptyEntries("resource_labels", resourceLabels);
        v.throwIfAny();
    }

    /** How the file binds: an absent key is {@code null} and takes its default; {@code url} is needed when this sink is used. */
    @JsonCreator
    static PrometheusRemoteWriteConfig of(@JsonProperty("url") String url,
            @JsonProperty("tenant_header") String tenantHeader,
            @JsonProperty("headers") Map<String, String> headers,
            @JsonProperty("basic_auth_username") String basicAuthUsername,
            @JsonProperty("basic_auth_password_file") Path basicAuthPasswordFile,
            @JsonProperty("bearer_token_file") Path bearerTokenFile,
            @JsonProperty("tls_ca_file") Path tlsCaFile,
            @JsonProperty("tls_cert_file") Path tlsCertFile,
            @JsonProperty("tls_key_file") Path tlsKeyFile,
            @JsonProperty("timeout") Duration timeout,
            @JsonProperty("max_samples_per_request") Integer maxSamplesPerRequest,
            @JsonProperty("max_concurrent_requests") Integer maxConcurrentRequests,
            @JsonProperty("resource_labels") List<String> resourceLabels) {
        return new PrometheusRemoteWriteConfig(url == null ? "" : url, tenantHeader == null ? "" : tenantHeader,
                headers == null ? Map.of() : headers, basicAuthUsername == null ? "" : basicAuthUsername,
                basicAuthPasswordFile, bearerTokenFile, tlsCaFile, tlsCertFile, tlsKeyFile,
                timeout == null ? DEFAULT_TIMEOUT : timeout,
                maxSamplesPerRequest == null ? DEFAULT_MAX_SAMPLES_PER_REQUEST : maxSamplesPerRequest,
                maxConcurrentRequests == null ? DEFAULT_MAX_CONCURRENT_REQUESTS : maxConcurrentRequests,
                resourceLabels == null ? DEFAULT_RESOURCE_LABELS : resourceLabels);
    }

    /** The section when absent: no URL (the sink is not used), every other key at its default. */
    public static PrometheusRemoteWriteConfig defaults() {
        return of(null, null, null, null, null, null, null, null, null, null, null, null, null);
    }
}
