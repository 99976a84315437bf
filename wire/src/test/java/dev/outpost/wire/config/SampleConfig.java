package dev.outpost.wire.config;

import com.fasterxml.jackson.annotation.JsonCreator;
import com.fasterxml.jackson.annotation.JsonProperty;
import java.net.URI;
import java.time.Duration;
import java.util.List;
import java.util.Map;

/** A config shaped like the real ones: a required URL, a duration, a map, a list, nested sections, numbers, an enum. */
record SampleConfig(URI server, Duration interval, Map<String, String> labels, List<String> tags, Push push,
        LogConfig log, Mode mode) {
    enum Mode {
        FAST, SAFE
    }

    SampleConfig {
        interval = interval == null ? Duration.ofSeconds(10) : interval;
        Violations v = new Violations();
        v.httpsUrl("server", server, "https://gateway.example.com:8443");
        v.durationBetween("interval", interval, Duration.ofSeconds(1), Duration.ofHours(1), Duration.ofSeconds(10));
        v.noEmptyEntries("tags", tags == null ? List.of() : tags);
        v.throwIfAny();
        labels = labels == null ? Map.of() : Map.copyOf(labels);
        tags = tags == null ? List.of() : List.copyOf(tags);
        push = push == null ? Push.of(null, null) : push;
        log = log == null ? LogConfig.defaults() : log;
        mode = mode == null ? Mode.SAFE : mode;
    }

    static SampleConfig defaults(String server) {
        return new SampleConfig(URI.create(server), null, null, null, null, null, null);
    }

    /** A section with a primitive, so it binds through a factory that knows the defaults. */
    record Push(Duration timeout, int maxQueuedBatches) {
        Push {
            Violations v = new Violations();
            v.durationBetween("timeout", timeout, Duration.ofSeconds(1), Duration.ofMinutes(5), Duration.ofSeconds(10));
            v.between("max_queued_batches", maxQueuedBatches, 1, 100_000, 360);
            v.throwIfAny();
        }

        @JsonCreator
        static Push of(@JsonProperty("timeout") Duration timeout,
                @JsonProperty("max_queued_batches") Integer maxQueuedBatches) {
            return new Push(timeout == null ? Duration.ofSeconds(10) : timeout,
                    maxQueuedBatches == null ? 360 : maxQueuedBatches);
        }
    }
}
