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
import java.nio.file.StandardOpenOption;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Feeds fixture NDJSON files to the view as the file sink would write them and compares frames with golden files. */
class LiveViewTest {

    private static final Clock CLOCK = Clock.fixed(Instant.parse("2026-11-22T05:20:13Z"), ZoneOffset.UTC);
    private static final String FIRST = "metrics-20261122T051000Z-000001.ndjson";
    private static final String SECOND = "metrics-20261122T052005Z-000002.ndjson";

    @TempDir
    Path dir;

    private final ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    private PrintStream out;

    @BeforeEach
    void setUp() {
        out = new PrintStream(bytes, true, UTF_8);
    }

    @Test
    void showsOneTablePerHostWithRatesFromTheLastTwoBatches() throws IOException {
        append(FIRST, fixture("web-1-batch-41.ndjson") + fixture("db-1-batch-7.ndjson"));
        LiveView view = new LiveView(dir, out, CLOCK);
        view.renderOnce();
        assertEquals(golden("first-batch.txt"), frame());

        append(FIRST, fixture("web-1-batch-42.ndjson"));
        view.renderOnce();
        assertEquals(golden("two-batches.txt"), frame());
    }

    @Test
    void followsRotationAndSkipsTornAndMalformedLines() throws IOException {
        String completed = "{\"time\":\"2026-11-22T05:20:10.000Z\",\"org\":\"acme\",\"agent\":\"a-3f9a0c1b2d4e5f60\","
                + "\"host\":\"web-1\",\"metric\":\"outpost.agent.queue.batches\",\"kind\":\"gauge\",\"unit\":\"{batch}\","
                + "\"attributes\":{},\"value\":3,\"batch\":\"a-3f9a0c1b2d4e5f60:42\"}\n";
        append(FIRST, fixture("web-1-batch-41.ndjson") + fixture("db-1-batch-7.ndjson")
                + "{\"time\":\"2026-11-22T05:20:05.000Z\",\"org\":\"ac");
        append(SECOND, "this is not json\n{\"time\":\"yesterday\",\"agent\":\"a-1\",\"metric\":\"m\",\"value\":1}\n"
                + fixture("web-1-batch-42.ndjson") + completed.substring(0, 100));
        LiveView view = new LiveView(dir, out, CLOCK);
        view.renderOnce();
        assertEquals(golden("rotated.txt"), frame());

        append(SECOND, completed.substring(100));
        view.renderOnce();
        assertEquals(golden("rotated-completed.txt"), frame());
    }

    @Test
    void saysWhereItWaitsWhenNothingWasWrittenYet() throws IOException {
        Path metrics = dir.resolve("metrics");
        new LiveView(metrics, out, CLOCK).renderOnce();
        assertEquals(golden("empty.txt"), frame().replace(metrics.toString(), "<DIR>"));
    }

    @Test
    void redrawModeClearsTheScreenBeforeEachFrameAndRunStopsWhenAsked() throws Exception {
        append(FIRST, fixture("web-1-batch-41.ndjson") + fixture("db-1-batch-7.ndjson"));
        new LiveView(dir, out, CLOCK, true).run(Duration.ofSeconds(2), () -> true);
        assertEquals("\u001b[H\u001b[2J" + golden("first-batch.txt"), frame());
    }

    @Test
    void agentsBeyondTheBoundAreCountedNotShown() throws IOException {
        append(FIRST, fixture("web-1-batch-41.ndjson") + fixture("db-1-batch-7.ndjson"));
        LiveView view = new LiveView(dir, out, CLOCK, false, new SinkTailer(dir, 4096, 1 << 20), new MetricStore(1, 3));
        view.renderOnce();
        assertEquals(golden("bounded.txt"), frame());
    }

    @Test
    void rejectsAZeroRefresh() {
        LiveView view = new LiveView(dir, out, CLOCK);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> view.run(Duration.ZERO, () -> true));
        assertEquals("refresh must be positive, got PT0S", e.getMessage());
    }

    private String frame() {
        String text = bytes.toString(UTF_8);
        bytes.reset();
        return text;
    }

    private void append(String file, String text) throws IOException {
        Files.writeString(dir.resolve(file), text, UTF_8, StandardOpenOption.CREATE, StandardOpenOption.APPEND);
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
