package dev.outpost.gateway.view;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.Optional;
import java.util.function.BooleanSupplier;

/**
 * The live view behind {@code outpost-gateway watch}: tails the file sink's NDJSON files, keeps the
 * latest value per (agent, metric, attributes) and prints a compact table per host. In redraw mode
 * each frame replaces the previous one on the terminal (ANSI clear screen and home); in plain mode
 * frames are printed one after another, which is what {@code --once} and pipes want.
 */
public final class LiveView {

    /** Lines longer than this are skipped and counted: no sink line comes near it. */
    public static final int MAX_LINE_BYTES = 1024 * 1024;
    /** How much already-written data the first frame reads, from the end of the newest files. */
    public static final long BACKLOG_BYTES = 8L * 1024 * 1024;
    /** Bounds on what one view remembers. */
    public static final int MAX_AGENTS = 10_000;
    public static final int MAX_SERIES_PER_AGENT = 2_000;

    static final String CLEAR_AND_HOME = "\u001b[H\u001b[2J";
    private static final long MAX_SLEEP_SLICE_MS = 200;

    private final Path metricsDir;
    private final PrintStream out;
    private final boolean redraw;
    private final SinkTailer tailer;
    private final MetricStore store;
    private final SinkLineParser parser = new SinkLineParser(new ObjectMapper());
    private final FrameRenderer renderer;
    private long pointsRead;
    private long malformedLines;

    /** A view printing plain frames (no ANSI), e.g. for {@code --once}. */
    public LiveView(Path metricsDir, PrintStream out, Clock clock) {
        this(metricsDir, out, clock, false);
    }

    /** @param redraw true to redraw each frame in place with ANSI escapes (a terminal) */
    public LiveView(Path metricsDir, PrintStream out, Clock clock, boolean redraw) {
        this(metricsDir, out, clock, redraw, new SinkTailer(metricsDir, MAX_LINE_BYTES, BACKLOG_BYTES),
                new MetricStore(MAX_AGENTS, MAX_SERIES_PER_AGENT));
    }

    LiveView(Path metricsDir, PrintStream out, Clock clock, boolean redraw, SinkTailer tailer, MetricStore store) {
        if (metricsDir == null || out == null || tailer == null || store == null) {
            throw new IllegalArgumentException("metricsDir, out, tailer and store must not be null");
        }
        this.metricsDir = metricsDir;
        this.out = out;
        this.redraw = redraw;
        this.tailer = tailer;
        this.store = store;
        this.renderer = new FrameRenderer(clock);
    }

    /** Reads what the sink wrote since the last call and prints one frame. */
    public void renderOnce() {
        String readError = null;
        try {
            tailer.poll(this::line);
        } catch (IOException e) {
            readError = e.getClass().getSimpleName() + ": " + e.getMessage();
        }
        FrameRenderer.Status status = new FrameRenderer.Status(metricsDir, tailer.currentFile(), pointsRead,
                malformedLines + tailer.skippedLines(), store.droppedPoints(), readError);
        String frame = renderer.render(status, store.agents());
        out.print(redraw ? CLEAR_AND_HOME + frame : frame);
        out.flush();
    }

    /**
     * Prints a frame every {@code refresh} until {@code stop} says so (checked at least every
     * 200 ms); returns at once, after the first frame, if {@code stop} is already true.
     */
    public void run(Duration refresh, BooleanSupplier stop) throws InterruptedException {
        if (refresh == null || refresh.isNegative() || refresh.isZero()) {
            throw new IllegalArgumentException("refresh must be positive, got " + refresh);
        }
        if (stop == null) {
            throw new IllegalArgumentException("stop must not be null");
        }
        while (true) {
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

    private void line(byte[] buffer, int offset, int length) {
        if (length == 0) {
            return;
        }
        Optional<SinkPoint> point = parser.parse(buffer, offset, length);
        if (point.isPresent()) {
            pointsRead++;
            store.accept(point.get());
        } else {
            malformedLines++;
        }
    }
}
