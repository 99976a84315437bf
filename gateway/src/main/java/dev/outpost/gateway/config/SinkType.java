package dev.outpost.gateway.config;

/** Where the gateway stores what agents send; {@code sink.type} in gateway.yaml. */
public enum SinkType {
    /** NDJSON files under the gateway directory. */
    FILE,
    /** A Prometheus remote write 1.0 endpoint (Prometheus, Mimir, Cortex, Thanos, VictoriaMetrics). */
    PROMETHEUS_REMOTE_WRITE,
    /** An OTLP/HTTP receiver (an OpenTelemetry Collector, a vendor). */
    OTLP
}
