package dev.outpost.gateway.view;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.Map;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Feeds fixture feeds to the view as the gateway writes them and compares frames with golden files. */
class LiveViewTest {
    private static final Instant NOW = Instant.parse("2026-11-22T05:20:13Z");
    private static final Clock CLOCK = Clock.fixed(NOW, ZoneOffset.UTC);

    @TempDir
    Path dir;
    Path feed;

    private final ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    private PrintStream out;

    @BeforeEach
    void setUp() {
        out = new PrintStream(bytes, true, UTF_8);
        feed = dir.resolve("view.ndjson");
    }

    static GatewayHealth health(long time, long in, long stored) {
        return new GatewayHealth(time, "prometheus_remote_write", in, stored, stored * 100, 3, 12, 0, 2, 40, 4.2, 6.5,
                180, 2, Map.of("connect", 1L), Map.of("out_of_order", 2L), Map.of("413", 1L), Map.of("acme", 5L));
    }

    @Test
    void showsOneTablePerHostWithRatesFromTheLastTwoBatches() throws IOException {
        write(fixture("web-1-batch-41.ndjson") + fixture("db-1-batch-7.ndjson"));
        LiveView view = new LiveView(feed, out, CLOCK);
        view.renderOnce();
        assertEquals(golden("first-batch.txt"), frame());

        write(fixture("web-1-batch-41.ndjson") + fixture("db-1-batch-7.ndjson") + fixture("web-1-batch-42.ndjson"));
        view.renderOnce();
        assertEquals(golden("two-batches.txt"), frame());
    }

    @Test
    void showsTheGatewaysHealthWithRatesFromTheFrameBefore() throws IOException {
        String first = "{\"gateway\":" + new com.fasterxml.jackson.databind.ObjectMapper()
                .writeValueAsString(health(NOW.toEpochMilli() - 2000, 100, 90)) + "}\n";
        String second = "{\"gateway\":" + new com.fasterxml.jackson.databind.ObjectMapper()
                .writeValueAsString(health(NOW.toEpochMilli(), 120, 110)) + "}\n";
        LiveView view = new LiveView(feed, out, CLOCK);
        write(first + "this is not json\n" + fixture("db-1-batch-7.ndjson"));
        view.renderOnce();
        frame();
        write(second + fixture("db-1-batch-7.ndjson"));
        view.renderOnce();
        assertEquals(golden("with-gateway.txt"), frame());
    }

    @Test
    void saysWhatItWaitsForWhenThereIsNoFeedOrAStaleOne() throws IOException {
        new LiveView(feed, out, CLOCK).renderOnce();
        assertEquals(golden("empty.txt"), frame().replace(feed.toString(), "<FEED>"));
        write(fixture("db-1-batch-7.ndjson"));
        Files.setLastModifiedTime(feed, FileTime.from(NOW.minusSeconds(30)));
        new LiveView(feed, out, CLOCK).renderOnce();
        assertEquals("the gateway has not updated <FEED> for more than 5 s; is it running (outpost-gateway serve) "
                + "with this --dir?", frame().replace(feed.toString(), "<FEED>").lines().skip(1).findFirst()
                .orElseThrow());
    }

    @Test
    void redrawModeClearsTheScreenBeforeEachFrameAndRunStopsWhenAsked() throws Exception {
        write(fixture("web-1-batch-41.ndjson") + fixture("db-1-batch-7.ndjson"));
        int[] heartbeats = new int[1];
        new LiveView(feed, out, CLOCK, true).run(Duration.ofSeconds(2), () -> true, () -> heartbeats[0]++);
        assertEquals("\u001b[H\u001b[2J" + golden("first-batch.txt"), frame());
        assertEquals(1, heartbeats[0]);
    }

    @Test
    void agentsBeyondTheBoundAreCountedNotShown() throws IOException {
        write(fixture("web-1-batch-41.ndjson") + fixture("db-1-batch-7.ndjson"));
        new LiveView(feed, out, CLOCK, false, 1).renderOnce();
        assertEquals(golden("bounded.txt"), frame());
    }

    @Test
    void rejectsAZeroRefresh() {
        LiveView view = new LiveView(feed, out, CLOCK);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> view.run(Duration.ZERO, () -> true, () -> { }));
        assertEquals("refresh must be positive, got PT0S", e.getMessage());
    }

    private String frame() {
        String text = bytes.toString(UTF_8);
        bytes.reset();
        return text;
    }

    private void write(String text) throws IOException {
        Files.writeString(feed, text, UTF_8);
        Files.setLastModifiedTime(feed, FileTime.from(NOW));
    }

    private static String fixture(String name) throws IOException {
        try (InputStream in = LiveViewTest.class.getResourceAsStream(name)) {
            if (in == null) {
                throw new IOException("missing test resource " + name);
            }
            return new String(in.readAllBytes(), UTF_8);
        }
    }

    private static String golden(String name) throws IOException {
        return fixture("golden/" + name);
    }
}
