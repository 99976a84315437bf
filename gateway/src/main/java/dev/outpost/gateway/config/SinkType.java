package dev.outpost.gateway.config;

/** Where the gateway stores what agents send; {@code sink.type} in gateway.yaml. */
public enum SinkType {
    /** NDJSON files under the gateway directory. */
    FILE
}
