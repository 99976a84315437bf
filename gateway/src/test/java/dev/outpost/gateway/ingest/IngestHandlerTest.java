package dev.outpost.gateway.ingest;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import dev.outpost.gateway.ca.AgentIdentity;
import dev.outpost.gateway.http.BoundedAggregator;
import dev.outpost.gateway.http.Responses;
import dev.outpost.gateway.sink.FileSink;
import dev.outpost.gateway.store.Database;
import dev.outpost.gateway.store.Watermarks;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.handler.codec.http.HttpServerCodec;
import java.io.ByteArrayOutputStream;
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
    Database db;
    FileSink sink;
    BatchCommitter committer;
    Maintenance maintenance;
    EmbeddedChannel last;

    @BeforeEach
    void setUp() throws Exception {
        db = Database.open(dir.resolve("state.db"));
        sink = new FileSink(dir.resolve("metrics"), 1 << 20, 5, CLOCK);
        committer = new BatchCommitter(sink, new Watermarks(db, CLOCK));
        maintenance = new Maintenance(dir.resolve("maintenance"));
    }

    @AfterEach
    void tearDown() throws Exception {
        sink.close();
        db.close();
    }

    /** Sends all requests on one new connection in one write (pipelined) and returns every response. */
    List<Wire.Response> exchange(byte[]... requests) throws Exception {
        last = new EmbeddedChannel(new HttpServerCodec(4096, 8192, 8192),
                new BoundedAggregator(64 * 1024, LoggerFactory.getLogger("test"), "ingest"),
                new IngestHandler(committer, maintenance, new Responses(CLOCK), 1 << 20, ctx -> A));
        last.writeInbound(Unpooled.wrappedBuffer(Wire.concat(requests)));
        last.runPendingTasks();
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        for (ByteBuf b = last.readOutbound(); b != null; b = last.readOutbound()) {
            byte[] bytes = new byte[b.readableBytes()];
            b.readBytes(bytes);
            out.writeBytes(bytes);
            b.release();
        }
        return Wire.readAll(out.toByteArray());
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
        assertEquals("1", rs.get(1).header("retry-after"), "behind the refused one, not processed at all");
        assertFalse(last.isOpen());

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
}
