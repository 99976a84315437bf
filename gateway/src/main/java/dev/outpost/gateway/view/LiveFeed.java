package dev.outpost.gateway.view;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.outpost.gateway.ingest.StampedBatch;
import dev.outpost.wire.SecureFiles;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.function.Supplier;
import java.util.stream.Stream;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * What feeds {@code outpost-gateway watch}, whatever the sink, without a network port: while a watcher is present
 * (a file {@code DIR/live/watch-<pid>} touched within {@link #WATCHER_FRESH}), the gateway keeps the latest two
 * values of the series the view shows for at most {@link #MAX_HOSTS} agents, from every batch it stores, and
 * rewrites {@code DIR/live/view.ndjson} (0600, atomically) every second: its own health on the first line, then
 * one line per data point in the per-point form the view reads. With no watcher it keeps nothing and writes
 * nothing.
 */
public final class LiveFeed {
    private static final Logger LOG = LoggerFactory.getLogger("outpost.gateway.view");
    public static final String DIR = "live";
    public static final String FEED = "view.ndjson";
    public static final String WATCHER_PREFIX = "watch-";
    static final Duration WATCHER_FRESH = Duration.ofSeconds(15);
    static final int MAX_HOSTS = 200;
    static final int MAX_SERIES_PER_HOST = 2_000;
    private static final List<String> SHOWN = List.of("system.cpu.time", "system.cpu.load_average.",
            "system.memory.", "system.paging.usage", "system.filesystem.usage", "system.disk.io",
            "system.network.io", "system.processes.count", "system.process.count", "system.uptime", "outpost.agent.");

    private final Path dir;
    private final Clock clock;
    private final Supplier<GatewayHealth> health;
    private final JsonFactory json = new ObjectMapper().getFactory();
    private volatile boolean watching;
    private MetricStore store;

    /** @param dir the live directory ({@code DIR/live}); created 0700 if missing */
    public LiveFeed(Path dir, Clock clock, Supplier<GatewayHealth> health) throws IOException {
        this.dir = SecureFiles.directory(dir, SecureFiles.PRIVATE_DIR);
        this.clock = Objects.requireNonNull(clock, "clock");
        this.health = Objects.requireNonNull(health, "health");
    }

    /** Takes what a delivery stored; does nothing while no one watches. Called on the committer thread. */
    public void stored(List<StampedBatch> batches) {
        if (!watching) {
            return;
        }
        synchronized (this) {
            if (store == null) {
                return;
            }
            for (StampedBatch b : batches) {
                OtlpPoints.of(b, LiveFeed::shown, store::accept);
            }
        }
    }

    static boolean shown(String metric) {
        for (String s : SHOWN) {
            if (s.endsWith(".") ? metric.startsWith(s) : metric.equals(s)) {
                return true;
            }
        }
        return false;
    }

    /** Run every second: notices watchers come and go, and while one is present writes the feed. Never throws. */
    public void tick() {
        try {
            boolean now = watcherPresent();
            synchronized (this) {
                if (now && store == null) {
                    store = new MetricStore(MAX_HOSTS, MAX_SERIES_PER_HOST);
                    LOG.info("watch: a live view started; feeding {}", dir.resolve(FEED));
                } else if (!now && store != null) {
                    store = null;
                    Files.deleteIfExists(dir.resolve(FEED));
                    LOG.info("watch: no live view left; stopped feeding it");
                }
                watching = now;
            }
            if (now) {
                write();
            }
        } catch (IOException | RuntimeException e) {
            LOG.warn("watch: cannot write the live view's feed: {}", e.toString());
        }
    }

    private boolean watcherPresent() throws IOException {
        long fresh = clock.millis() - WATCHER_FRESH.toMillis();
        try (Stream<Path> s = Files.list(dir)) {
            for (Path p : s.toList()) {
                if (p.getFileName().toString().startsWith(WATCHER_PREFIX)) {
                    if (Files.getLastModifiedTime(p).toMillis() >= fresh) {
                        return true;
                    }
                    Files.deleteIfExists(p); // a watcher that died without cleaning up
                }
            }
        }
        return false;
    }

    private void write() throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream(1 << 16);
        try (JsonGenerator g = json.createGenerator(out)) {
            g.writeStartObject();
            g.writeObjectField("gateway", health.get());
            g.writeEndObject();
            g.writeRaw('\n');
            synchronized (this) {
                if (store == null) {
                    return;
                }
                for (AgentState agent : store.agents()) {
                    for (Series s : agent.series()) {
                        if (s.previous() != null) {
                            point(g, s.previous());
                        }
                        point(g, s.latest());
                    }
                }
            }
        }
        SecureFiles.write(dir.resolve(FEED), out.toByteArray(), SecureFiles.OWNER_ONLY);
    }

    private static void point(JsonGenerator g, SinkPoint p) throws IOException {
        g.writeStartObject();
        g.writeStringField("time", p.time().toString());
        g.writeStringField("org", p.org());
        g.writeStringField("agent", p.agent());
        g.writeStringField("host", p.host());
        g.writeStringField("metric", p.metric());
        g.writeStringField("kind", p.kind());
        g.writeStringField("unit", p.unit());
        g.writeObjectFieldStart("attributes");
        for (Map.Entry<String, String> a : p.attributes().entrySet()) {
            g.writeStringField(a.getKey(), a.getValue());
        }
        g.writeEndObject();
        number(g, "value", p.value());
        if (p.count() >= 0) {
            g.writeNumberField("count", p.count());
        }
        if (!Double.isNaN(p.max())) {
            number(g, "max", p.max());
        }
        g.writeStringField("batch", p.batch());
        g.writeEndObject();
        g.writeRaw('\n');
    }

    private static void number(JsonGenerator g, String field, double v) throws IOException {
        if (Double.isFinite(v)) {
            g.writeNumberField(field, v);
        } else {
            g.writeNullField(field);
        }
    }
}
