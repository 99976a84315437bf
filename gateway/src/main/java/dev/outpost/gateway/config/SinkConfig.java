package dev.outpost.gateway.config;

import com.fasterxml.jackson.annotation.JsonCreator;
import com.fasterxml.jackson.annotation.JsonProperty;
import dev.outpost.wire.config.Violations;

/**
 * The {@code sink} section: which sink stores metrics, and the settings of each kind. The chosen remote sink needs
 * its {@code url}; the settings of sinks not chosen are checked but not used.
 */
public record SinkConfig(SinkType type, FileSinkConfig file, PrometheusRemoteWriteConfig prometheusRemoteWrite,
        OtlpSinkConfig otlp) {
    public SinkConfig {
        type = type == null ? SinkType.FILE : type;
        file = file == null ? FileSinkConfig.defaults() : file;
        prometheusRemoteWrite = prometheusRemoteWrite == null ? PrometheusRemoteWriteConfig.defaults()
                : prometheusRemoteWrite;
        otlp = otlp == null ? OtlpSinkConfig.defaults() : otlp;
        Violations v = new Violations();
        if (type == SinkType.PROMETHEUS_REMOTE_WRITE && prometheusRemoteWrite.url().isEmpty()) {
            v.add("prometheus_remote_write.url", "missing; sink.type prometheus_remote_write needs the store's write "
                    + "URL, e.g. \"http://127.0.0.1:9090/api/v1/write\"");
        }
        if (type == SinkType.OTLP && otlp.url().isEmpty()) {
            v.add("otlp.url", "missing; sink.type otlp needs the receiver's URL, e.g. "
                    + "\"https://collector:4318/v1/metrics\"");
        }
        v.throwIfAny();
    }

    /** How the file binds. */
    @JsonCreator
    static SinkConfig of(@JsonProperty("type") SinkType type, @JsonProperty("file") FileSinkConfig file,
            @JsonProperty("prometheus_remote_write") PrometheusRemoteWriteConfig prometheusRemoteWrite,
            @JsonProperty("otlp") OtlpSinkConfig otlp) {
        return new SinkConfig(type, file, prometheusRemoteWrite, otlp);
    }

    public static SinkConfig defaults() {
        return new SinkConfig(null, null, null, null);
    }
}
