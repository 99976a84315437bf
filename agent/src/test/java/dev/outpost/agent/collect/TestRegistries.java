package dev.outpost.agent.collect;

import io.micrometer.core.instrument.MockClock;
import io.micrometer.core.instrument.simple.SimpleConfig;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;

/** The registry the agent uses (cumulative counting, so counters read as totals), on a fake clock. */
final class TestRegistries {
    private TestRegistries() {
    }

    static SimpleMeterRegistry cumulative() {
        SimpleConfig config = key -> key.equals("simple.mode") ? "CUMULATIVE" : null;
        return new SimpleMeterRegistry(config, new MockClock());
    }
}
