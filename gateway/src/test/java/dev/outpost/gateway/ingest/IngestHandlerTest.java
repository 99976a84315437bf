package dev.outpost.gateway.ingest;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import dev.outpost.gateway.ca.AgentIdentity;
import dev.outpost.gateway.http.BoundedAggregator;
import dev.outpost.gateway.http.MemoryBudget;
import dev.outpost.gateway.http.Responses;
import dev.outpost.gateway.config.IngestLimitsConfig;
import dev.outpost.gateway.config.RateLimitsConfig;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.handler.codec.http.HttpServerCodec;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.slf4j.LoggerFactory;

/**
 * Raw HTTP bytes through the codec, the size bound and the ingest handler, with the peer identity supplied
 * directly (no TLS here; IngestOverTlsTest takes it from a real client certificate).
 */
class IngestHandlerTest {
    static final AgentIdentity A = new AgentIdentity("acme", "a-3f9a0c1b2d4e5f60");
    static final Clock CLOCK = Clock.fixed(Instant.parse("2026-11-22T05:20:01Z"), ZoneOffset.UTC);
    @TempDir
    Path dir;
    TestPipeline pipeline;
    EmbeddedChannel last;
    RateLimitsConfig rateLimits = RateLimitsConfig.defaults();
    Clock clock = CLOCK;
    IngestLimitsConfig limits = IngestLimitsConfig.defaults();

    @BeforeEach
    void setUp() throws Exception {
        pipeline = new TestPipeline(dir, CLOCK);
    }

    @AfterEach
    void tearDown() throws Exception {
        pipeline.close();
    }

    IngestServices services;

    /** The services all connections of a test share, made at the first exchange (after the test's settings). */
    IngestServices services() {
        if (services != null) {
            return services;
        }
        return services = new IngestServices(pipeline.pipeline, new Maintenance(dir.resolve("maintenance")),
                new Responses(clock), AgentGate.OPEN, new IngestConnections(AgentGate.OPEN, clock),
                new RateLimiter(rateLimits, clock), pipeline.stats, limits, 1 << 20, clock);
    }

    /**
     * Sends all requests on one new connection in one write (pipelined) and returns every response: one per
     * request, waiting (at most 10 s) for those the pipeline answers from its own thread.
     */
    List<Wire.Response> exchange(byte[]... requests) throws Exception {
        last = new EmbeddedChannel(new HttpServerCodec(4096, 8192, 8192),
                new BoundedAggregator(64 * 1024, LoggerFactory.getLogger("test"), "ingest"),
                new IngestHandler(services(), null, ctx -> A));
        return Wire.exchange(last, Wire.concat(requests), requests.length);
    }

    List<String> stored() throws Exception {
        return Wire.stored(dir.resolve("metrics"));
    }

    static List<Integer> statuses(List<Wire.Response> rs) {
        return rs.stream().map(Wire.Response::status).toList();
    }

    @Test
    void aRetriedBatchIsAnswered200AndStoredOnce() throws Exception {
        List<Wire.Response> first = exchange(Wire.post("a-3f9a0c1b2d4e5f60:1"));
        List<Wire.Response> again = exchange(Wire.post("a-3f9a0c1b2d4e5f60:1"));
        assertEquals(List.of(200), statuses(first));
        assertEquals(List.of(200), statuses(again));
        assertEquals(Wire.PROTOBUF, again.get(0).header("content-type"));
        assertEquals(0, again.get(0).body().length, "an empty ExportMetricsServiceResponse, as for a stored batch");
        assertEquals("stored", first.get(0).header("outpost-batch"));
        assertEquals("1", first.get(0).header("outpost-watermark"));
        assertEquals("duplicate", again.get(0).header("outpost-batch"));
        assertEquals("1", again.get(0).header("outpost-watermark"));

        List<Wire.Response> pipelined = exchange(Wire.post("a-3f9a0c1b2d4e5f60:2"), Wire.post("a-3f9a0c1b2d4e5f60:1"),
                Wire.post("a-3f9a0c1b2d4e5f60:3"));
        assertEquals(List.of(200, 200, 200), statuses(pipelined));
        assertTrue(last.isOpen());
        assertEquals(List.of("a-3f9a0c1b2d4e5f60/a-3f9a0c1b2d4e5f60:1", "a-3f9a0c1b2d4e5f60/a-3f9a0c1b2d4e5f60:2",
                "a-3f9a0c1b2d4e5f60/a-3f9a0c1b2d4e5f60:3"), stored());
    }

    @Test
    void requestsBehindAFailedOneAre503UnprocessedAndTheConnectionCloses() throws Exception {
        List<Wire.Response> rs = exchange(Wire.post("a-3f9a0c1b2d4e5f60:1"),
                Wire.post("a-3f9a0c1b2d4e5f60:2", "application/json", "{}".getBytes()),
                Wire.post("a-3f9a0c1b2d4e5f60:3"), Wire.post("a-3f9a0c1b2d4e5f60:4"));
        assertEquals(List.of(200, 415, 503, 503), statuses(rs));
        assertEquals("keep-alive", rs.get(0).header("connection"));
        for (Wire.Response r : rs.subList(1, 4)) {
            assertEquals("close", r.header("connection"));
        }
        assertEquals("1", rs.get(2).header("retry-after"));
        assertEquals("1", rs.get(3).header("retry-after"));
        assertFalse(last.isOpen(), "closed after answering what was read");
        assertEquals(List.of("a-3f9a0c1b2d4e5f60/a-3f9a0c1b2d4e5f60:1"), stored());

        // Not stored means not counted either: on a new connection 3 and 4 are stored.
        assertEquals(List.of(200, 200), statuses(exchange(Wire.post("a-3f9a0c1b2d4e5f60:3"),
                Wire.post("a-3f9a0c1b2d4e5f60:4"))));
        assertEquals(3, stored().size());
    }

    @Test
    void aBodyThatIsNotOtlpIs400AndWhatFollowsIsNotStored() throws Exception {
        List<Wire.Response> rs = exchange(Wire.post("a-3f9a0c1b2d4e5f60:1", Wire.PROTOBUF, new byte[] {(byte) 0xff}),
                Wire.post("a-3f9a0c1b2d4e5f60:2"));
        assertEquals(List.of(400, 503), statuses(rs));
        assertEquals(List.of(), stored());
    }

    @Test
    void theMaintenanceFileAnswers503WithItsRetryAfterUntilItIsRemoved() throws Exception {
        Logger log = (Logger) LoggerFactory.getLogger("outpost.gateway.ingest");
        ListAppender<ILoggingEvent> logged = new ListAppender<>();
        logged.start();
        log.addAppender(logged);
        Path file = dir.resolve("maintenance");
        Files.writeString(file, "120\n");
        List<Wire.Response> rs = exchange(Wire.post("a-3f9a0c1b2d4e5f60:1"), Wire.post("a-3f9a0c1b2d4e5f60:2"));
        assertEquals(List.of(503, 503), statuses(rs));
        assertEquals("120", rs.get(0).header("retry-after"));
        assertEquals("120", rs.get(1).header("retry-after"), "behind the refused one, not processed at all");
        assertTrue(last.isOpen(), "a batch refused for now keeps its connection");

        for (String content : new String[] {"", "soon", "0", "3601", "99999999999999999999"}) {
            Files.writeString(file, content);
            assertEquals("30", exchange(Wire.post("a-3f9a0c1b2d4e5f60:1")).get(0).header("retry-after"), content);
        }
        Files.writeString(file, "3600");
        assertEquals("3600", exchange(Wire.post("a-3f9a0c1b2d4e5f60:1")).get(0).header("retry-after"));
        assertEquals(List.of(), stored());

        Files.delete(file);
        assertEquals(List.of(200), statuses(exchange(Wire.post("a-3f9a0c1b2d4e5f60:1"))));
        assertEquals(List.of("a-3f9a0c1b2d4e5f60/a-3f9a0c1b2d4e5f60:1"), stored());
        assertEquals(200, exchange(Wire.post("a-3f9a0c1b2d4e5f60:2")).get(0).status());
        log.detachAppender(logged);
        assertEquals(List.of(
                "ingest: maintenance mode on (" + file + " exists); answering every batch 503 with Retry-After: 120",
                "ingest: maintenance mode off (" + file + " is gone); storing batches again"),
                logged.list.stream().map(ILoggingEvent::getFormattedMessage)
                        .filter(m -> m.contains("maintenance mode")).toList(), "logged once each way");
    }

    @Test
    void aBatchRefusedForNowKeepsItsConnectionAndNothingBehindItIsStoredBeforeItComesAgain() throws Exception {
        dev.outpost.gateway.MutableClock moving = new dev.outpost.gateway.MutableClock(CLOCK.instant());
        clock = moving;
        Path file = dir.resolve("maintenance");
        Files.writeString(file, "30\n");
        List<Wire.Response> rs = exchange(Wire.post("a-3f9a0c1b2d4e5f60:1"), Wire.post("a-3f9a0c1b2d4e5f60:2"));
        assertEquals(List.of(503, 503), statuses(rs));
        for (Wire.Response r : rs) {
            assertEquals("keep-alive", r.header("connection"));
            assertEquals("30", r.header("retry-after"));
        }
        Files.delete(file);
        // The store takes batches again, but 2 comes before 1 was sent again: refused, unread.
        List<Wire.Response> early = Wire.exchange(last, Wire.post("a-3f9a0c1b2d4e5f60:2"), 1);
        assertEquals(List.of(503), statuses(early));
        assertEquals(List.of(), stored());
        // The client starts over from the refused batch, on the same connection.
        List<Wire.Response> again = Wire.exchange(last, Wire.concat(Wire.post("a-3f9a0c1b2d4e5f60:1"),
                Wire.post("a-3f9a0c1b2d4e5f60:2")), 2);
        assertEquals(List.of(200, 200), statuses(again));
        assertEquals(List.of("a-3f9a0c1b2d4e5f60/a-3f9a0c1b2d4e5f60:1", "a-3f9a0c1b2d4e5f60/a-3f9a0c1b2d4e5f60:2"),
                stored());

        // A client that drops the refused batch is served again once the Retry-After it was told has passed.
        Files.writeString(file, "30\n");
        assertEquals(List.of(503), statuses(Wire.exchange(last, Wire.post("a-3f9a0c1b2d4e5f60:3"), 1)));
        Files.delete(file);
        assertEquals(List.of(503), statuses(Wire.exchange(last, Wire.post("a-3f9a0c1b2d4e5f60:4"), 1)));
        moving.advance(java.time.Duration.ofSeconds(30));
        assertEquals(List.of(200), statuses(Wire.exchange(last, Wire.post("a-3f9a0c1b2d4e5f60:4"), 1)));
        assertTrue(last.isOpen());

        // Without a key the order cannot be told: the connection closes as after any failure.
        Files.writeString(file, "30\n");
        List<Wire.Response> unkeyed = Wire.exchange(last, Wire.post(null), 1);
        assertEquals(List.of(503), statuses(unkeyed));
        assertEquals("close", unkeyed.get(0).header("connection"));
        assertFalse(last.isOpen());
    }

    @Test
    void aBodyOverTheMemoryBudgetIsAnswered503UnreadAndItsConnectionGoesOn() throws Exception {
        int bodyBytes = Wire.batch(0.5).toByteArray().length;
        MemoryBudget.Held held = new MemoryBudget.Held(new MemoryBudget(bodyBytes));
        last = new EmbeddedChannel(new HttpServerCodec(4096, 8192, 8192),
                new BoundedAggregator(64 * 1024, LoggerFactory.getLogger("test"), "ingest", held),
                new IngestHandler(services(), held, ctx -> A));
        // The second body arrives while the first is still held: it does not fit.
        List<Wire.Response> rs = Wire.exchange(last, Wire.concat(Wire.post("a-3f9a0c1b2d4e5f60:1"),
                Wire.post("a-3f9a0c1b2d4e5f60:2")), 2);
        assertEquals(List.of(200, 503), statuses(rs));
        assertEquals("1", rs.get(1).header("retry-after"));
        assertEquals("keep-alive", rs.get(1).header("connection"));
        assertTrue(last.isOpen(), "its body skipped, the connection goes on");
        assertEquals(List.of(200), statuses(Wire.exchange(last, Wire.post("a-3f9a0c1b2d4e5f60:2"), 1)));
        assertEquals(List.of("a-3f9a0c1b2d4e5f60/a-3f9a0c1b2d4e5f60:1", "a-3f9a0c1b2d4e5f60/a-3f9a0c1b2d4e5f60:2"),
                stored());
    }

    @Test
    void aKeyFarAheadOfTheClockIs400AndCannotSilenceTheAgent() throws Exception {
        // What a stolen key would send to make the gateway answer every later batch "duplicate".
        List<Wire.Response> rs = exchange(Wire.post("a-3f9a0c1b2d4e5f60:" + Long.MAX_VALUE));
        assertEquals(List.of(400), statuses(rs));
        assertTrue(new String(rs.get(0).body(), java.nio.charset.StandardCharsets.UTF_8).contains("7 days"));
        long plausible = CLOCK.millis() + 6L * 24 * 3600 * 1000;
        assertEquals(List.of(200), statuses(exchange(Wire.post("a-3f9a0c1b2d4e5f60:" + plausible))));
        // The real agent's next batch has a lower sequence, but newer data: it is stored, not dropped.
        byte[] real = Wire.post("a-3f9a0c1b2d4e5f60:1795000000001", Wire.PROTOBUF,
                Wire.batchAt(Wire.TIME + 60_000_000_000L, 1).toByteArray());
        List<Wire.Response> agent = exchange(real);
        assertEquals(List.of(200), statuses(agent));
        assertEquals("stored", agent.get(0).header("outpost-batch"));
        assertEquals(Long.toString(plausible), agent.get(0).header("outpost-watermark"), "so it can move on");
        assertEquals(List.of("a-3f9a0c1b2d4e5f60/a-3f9a0c1b2d4e5f60:" + plausible,
                "a-3f9a0c1b2d4e5f60/a-3f9a0c1b2d4e5f60:1795000000001"), stored());
    }

    @Test
    void anAgentOverItsRateIsAnswered429WithRetryAfterAndNothingIsStored() throws Exception {
        rateLimits = new RateLimitsConfig(1, new dev.outpost.gateway.config.AgentRateConfig(2, 0, 0),
                dev.outpost.gateway.config.OrgRateConfig.defaults());
        List<Wire.Response> rs = exchange(Wire.post("a-3f9a0c1b2d4e5f60:1"), Wire.post("a-3f9a0c1b2d4e5f60:2"),
                Wire.post("a-3f9a0c1b2d4e5f60:3"), Wire.post("a-3f9a0c1b2d4e5f60:4"));
        assertEquals(List.of(200, 200, 429, 503), statuses(rs));
        assertEquals("1", rs.get(2).header("retry-after"));
        assertEquals(Long.valueOf(1), pipeline.stats.limitedByOrg().get("acme"));
        assertEquals(2, stored().size());
    }

    @Test
    void batchesBeyondThePerRequestLimitsAre413AndInvalidTimesAre400() throws Exception {
        limits = new IngestLimitsConfig(3, 10, 8, 32, 64, 8);
        io.opentelemetry.proto.metrics.v1.Gauge.Builder gauge = io.opentelemetry.proto.metrics.v1.Gauge.newBuilder();
        for (int i = 0; i < 4; i++) {
            gauge.addDataPoints(io.opentelemetry.proto.metrics.v1.NumberDataPoint.newBuilder()
                    .setTimeUnixNano(Wire.TIME).setAsInt(i));
        }
        byte[] fourPoints = Wire.withMetric(io.opentelemetry.proto.metrics.v1.Metric.newBuilder().setName("x")
                .setGauge(gauge).build()).toByteArray();
        List<Wire.Response> rs = exchange(Wire.post("a-3f9a0c1b2d4e5f60:1", Wire.PROTOBUF, fourPoints));
        assertEquals(List.of(413), statuses(rs));
        assertTrue(new String(rs.get(0).body(), java.nio.charset.StandardCharsets.UTF_8)
                .contains("more than 3 data points"));

        byte[] longValue = Wire.withMetric(io.opentelemetry.proto.metrics.v1.Metric.newBuilder().setName("x")
                .setGauge(io.opentelemetry.proto.metrics.v1.Gauge.newBuilder().addDataPoints(
                        io.opentelemetry.proto.metrics.v1.NumberDataPoint.newBuilder().setTimeUnixNano(Wire.TIME)
                                .addAttributes(io.opentelemetry.proto.common.v1.KeyValue.newBuilder().setKey("k")
                                        .setValue(io.opentelemetry.proto.common.v1.AnyValue.newBuilder()
                                                .setStringValue("v".repeat(65)))))).build()).toByteArray();
        assertEquals(List.of(413), statuses(exchange(Wire.post("a-3f9a0c1b2d4e5f60:2", Wire.PROTOBUF, longValue))));

        byte[] noTime = Wire.withMetric(io.opentelemetry.proto.metrics.v1.Metric.newBuilder().setName("x")
                .setGauge(io.opentelemetry.proto.metrics.v1.Gauge.newBuilder().addDataPoints(
                        io.opentelemetry.proto.metrics.v1.NumberDataPoint.newBuilder().setAsInt(1))).build())
                .toByteArray();
        assertEquals(List.of(400), statuses(exchange(Wire.post("a-3f9a0c1b2d4e5f60:3", Wire.PROTOBUF, noTime))));
        assertEquals(List.of(), stored());
    }
}
