package dev.outpost.gateway.config;

/** The {@code sink} section: which sink stores metrics, and the settings of each kind. */
public record SinkConfig(SinkType type, FileSinkConfig file) {
    public SinkConfig {
        type = type == null ? SinkType.FILE : type;
        file = file == null ? FileSinkConfig.defaults() : file;
    }

    public static SinkConfig defaults() {
        return new SinkConfig(null, null);
    }
}
