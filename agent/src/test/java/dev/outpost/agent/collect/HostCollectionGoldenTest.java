package dev.outpost.agent.collect;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.outpost.agent.MutableClock;
import dev.outpost.agent.otlp.Golden;
import dev.outpost.agent.otlp.OtlpEncoder;
import dev.outpost.agent.otlp.OtlpText;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** Collectors over fixture hosts, encoded to OTLP and compared line by line with golden files. */
class HostCollectionGoldenTest {
    private static final long START = Instant.parse("2026-11-22T05:00:00Z").toEpochMilli() * 1_000_000;

    private final FixtureHostProbe probe = new FixtureHostProbe("basic");
    private final SimpleMeterRegistry registry = TestRegistries.cumulative();
    private final HostCollection collection = new HostCollection(probe, registry, FilesystemFilter.defaults(),
            MutableClock.stepping(Instant.parse("2026-11-22T05:20:00Z"), Duration.ofMillis(1)));

    @Test
    void basicHostMatchesGoldenFile() {
        collection.collectOnce();

        Golden.assertMatches("basic", render());
    }

    @Test
    void nextCycleUpdatesCountersAndDropsUnmountedFilesystemRemovedInterfaceAndSwap() {
        collection.collectOnce();
        probe.use("later");
        collection.collectOnce();

        String text = render();
        Golden.assertMatches("later", text);
        assertTrue(registry.find("system.filesystem.usage").tag("mountpoint", "/data").meters().isEmpty());
        assertTrue(registry.find("system.network.io").tag("device", "eth0").meters().isEmpty());
        assertTrue(registry.find("system.paging.usage").tag("device", "/dev/dm-1").meters().isEmpty());
        assertEquals(2, registry.find("system.paging.usage").meters().size(), "zeros without a device");
        assertEquals(3, registry.find("system.filesystem.usage").tag("mountpoint", "/").meters().size());
    }

    private String render() {
        return OtlpText.render(new OtlpEncoder("1.2.3").encode(registry, Map.of("host.name", "web-1"),
                START + 1_000_000_000L, START));
    }
}
