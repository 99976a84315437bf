package dev.outpost.gateway.view;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.time.Instant;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;

class SinkLineParserTest {

    private final SinkLineParser parser = new SinkLineParser(new ObjectMapper());

    private Optional<SinkPoint> parse(String line) {
        byte[] bytes = ("xx" + line).getBytes(UTF_8);
        return parser.parse(bytes, 2, bytes.length - 2);
    }

    @Test
    void readsAHistogramLineOfTheFileSink() {
        SinkPoint p = parse("{\"time\":\"2026-11-22T05:20:00.123Z\",\"org\":\"acme\",\"agent\":\"a-1\",\"host\":\"web-1\","
                + "\"metric\":\"outpost.agent.push.duration\",\"kind\":\"histogram\",\"unit\":\"s\","
                + "\"attributes\":{\"code\":200,\"ok\":true},\"value\":0.5,\"count\":4,\"max\":0.25,\"batch\":\"a-1:9\"}")
                .orElseThrow();
        assertEquals(Instant.parse("2026-11-22T05:20:00.123Z"), p.time());
        assertEquals("acme/a-1/web-1/histogram/s/a-1:9", p.org() + "/" + p.agent() + "/" + p.host() + "/" + p.kind()
                + "/" + p.unit() + "/" + p.batch());
        assertEquals(Map.of("code", "200", "ok", "true"), p.attributes());
        assertEquals(0.5, p.value());
        assertEquals(4, p.count());
        assertEquals(0.25, p.max());
    }

    @Test
    void aNullValueIsAPointWithoutAValue() {
        SinkPoint p = parse("{\"time\":\"2026-11-22T05:20:00Z\",\"agent\":\"a-1\",\"metric\":\"m\",\"value\":null}")
                .orElseThrow();
        assertTrue(Double.isNaN(p.value()));
        assertEquals("?", p.host());
    }

    @Test
    void linesThatAreNotSinkPointsAreRejected() {
        String ok = "\"time\":\"2026-11-22T05:20:00Z\",\"agent\":\"a-1\",\"metric\":\"m\"";
        assertTrue(parse("{" + ok + ",\"value\":1}").isPresent());
        assertTrue(parse("{" + ok + ",\"value\":\"1\"}").isEmpty());
        assertTrue(parse("{" + ok + "}").isEmpty());
        assertTrue(parse("{" + ok + ",\"value\":1,\"attributes\":[1]}").isEmpty());
        assertTrue(parse("{\"time\":\"noon\",\"agent\":\"a-1\",\"metric\":\"m\",\"value\":1}").isEmpty());
        assertTrue(parse("[1,2]").isEmpty());
        assertTrue(parse("{\"time\":").isEmpty());
    }
}
