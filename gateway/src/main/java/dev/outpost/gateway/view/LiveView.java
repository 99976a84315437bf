package dev.outpost.gateway.view;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.Optional;
import java.util.function.BooleanSupplier;

/**
 * The live view behind {@code outpost-gateway watch}: reads the feed the running gateway writes while it is
 * watched ({@link LiveFeed}: its health, then the latest two values of each shown series per host) and prints the
 * gateway's health and a compact table per host. In redraw mode each frame replaces the previous one on the
 * terminal (ANSI clear screen and home); in plain mode frames follow one another, which is what {@code --once}
 * and pipes want.
 */
public final class LiveView {
    /** A feed larger than this is not read (the gateway bounds what it writes far below it). */
    public static final long MAX_FEED_BYTES = 256L << 20;
    /** Lines longer than this are skipped and counted. */
    public static final int MAX_LINE_BYTES = 1024 * 1024;
    /** A feed older than this means the gateway is not running, or not writing it. */
    static final Duration STALE = Duration.ofSeconds(5);
    static final String CLEAR_AND_HOME = "\u001b[H\u001b[2J";
    private static final long MAX_SLEEP_SLICE_MS = 100;

    private final Path feed;
    private final PrintStream out;
    private final Clock clock;
    private final boolean redraw;
    private final int maxAgents;
    private final SinkLineParser parser = new SinkLineParser(new ObjectMapper());
    private final ObjectMapper json = new ObjectMapper();
    private final FrameRenderer renderer;
    private GatewayHealth previous;

    /** A view printing plain frames (no ANSI), e.g. for {@code --once}. */
    public LiveView(Path feed, PrintStream out, Clock clock) {
        this(feed, out, clock, false);
    }

    /** @param redraw true to redraw each frame in place with ANSI escapes (a terminal) */
    public LiveView(Path feed, PrintStream out, Clock clock, boolean redraw) {
        this(feed, out, clock, redraw, LiveFeed.MAX_HOSTS);
    }

    LiveView(Path feed, PrintStream out, Clock clock, boolean redraw, int maxAgents) {
        if (feed == null || out == null || clock == null) {
            throw new IllegalArgumentException("feed, out and clock must not be null");
        }
        this.feed = feed;
        this.out = out;
        this.clock = clock;
        this.redraw = redraw;
        this.maxAgents = maxAgents;
        this.renderer = new FrameRenderer(clock);
    }

    /** Reads the feed as it is now and prints one frame. */
    public void renderOnce() {
        MetricStore store = new MetricStore(maxAgents, LiveFeed.MAX_SERIES_PER_HOST);
        GatewayHealth health = null;
        long points = 0;
        long skipped = 0;
        String problem = null;
        try {
            if (Files.size(feed) > MAX_FEED_BYTES) {
                throw new IOException("the feed is " + Files.size(feed) + " bytes, more than " + MAX_FEED_BYTES);
            }
            if (Files.getLastModifiedTime(feed).toInstant().isBefore(clock.instant().minus(STALE))) {
                problem = "the gateway has not updated " + feed + " for more than " + STALE.toSeconds()
                        + " s; is it running (outpost-gateway serve) with this --dir?";
            }
            byte[] bytes = Files.readAllBytes(feed);
            int start = 0;
            for (int i = 0; i <= bytes.length; i++) {
                if (i < bytes.length && bytes[i] != '\n') {
                    continue;
                }
                int length = i - start;
                if (length > MAX_LINE_BYTES) {
                    skipped++;
                } else if (length > 0 && start == 0 && isHealth(bytes, length)) {
                    health = health(bytes, length);
                } else if (length > 0) {
                    Optional<SinkPoint> p = parser.parse(bytes, start, length);
                    if (p.isPresent()) {
                        points++;
                        store.accept(p.get());
                    } else {
                        skipped++;
                    }
                }
                start = i + 1;
            }
        } catch (NoSuchFileException e) {
            problem = "waiting for the gateway to write " + feed + " (it does within a second while this view runs; "
                    + "is the gateway running with this --dir?)";
        } catch (IOException e) {
            problem = e.getClass().getSimpleName() + ": " + e.getMessage();
        }
        FrameRenderer.Status status = new FrameRenderer.Status(points, skipped, store.droppedPoints(), problem,
                health, previous);
        if (health != null) {
            previous = health;
        }
        String frame = renderer.render(status, store.agents());
        out.print(redraw ? CLEAR_AND_HOME + frame : frame);
        out.flush();
    }

    private static boolean isHealth(byte[] bytes, int length) {
        return new String(bytes, 0, Math.min(length, 10), StandardCharsets.UTF_8).equals("{\"gateway\"");
    }

    private GatewayHealth health(byte[] bytes, int length) {
        try {
            JsonNode n = json.readTree(bytes, 0, length).path("gateway");
            return json.treeToValue(n, GatewayHealth.class);
        } catch (IOException | IllegalArgumentException e) {
            return null;
        }
    }

    /**
     * Prints a frame every {@code refresh} until {@code stop} says so (checked at least every 100 ms); returns at
     * once, after the first frame, if {@code stop} is already true. {@code beforeFrame} runs before each frame
     * (the watcher's heartbeat).
     */
    public void run(Duration refresh, BooleanSupplier stop, Runnable beforeFrame) throws InterruptedException {
        if (refresh == null || refresh.isNegative() || refresh.isZero()) {
            throw new IllegalArgumentException("refresh must be positive, got " + refresh);
        }
        if (stop == null || beforeFrame == null) {
            throw new IllegalArgumentException("stop and beforeFrame must not be null");
        }
        while (true) {
            beforeFrame.run();
            renderOnce();
            long deadline = System.nanoTime() + refresh.toNanos();
            while (true) {
                if (stop.getAsBoolean()) {
                    return;
                }
                long leftMs = (deadline - System.nanoTime()) / 1_000_000;
                if (leftMs <= 0) {
                    break;
                }
                Thread.sleep(Math.min(leftMs, MAX_SLEEP_SLICE_MS));
            }
        }
    }
}
