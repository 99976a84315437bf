package dev.outpost.gateway.http;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.outpost.gateway.MutableClock;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.codec.http.HttpResponseStatus;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class ResponsesTest {
    private static List<String> names(HttpHeaders headers) {
        List<String> out = new ArrayList<>();
        for (Map.Entry<String, String> e : headers) {
            out.add(e.getKey());
        }
        return out;
    }

    @Test
    void theDateHeaderFollowsTheClockToTheSecond() {
        MutableClock clock = new MutableClock(Instant.parse("2026-11-22T05:20:01.100Z"));
        Responses responses = new Responses(clock);
        FullHttpResponse a = responses.of(HttpResponseStatus.OK, "application/x-protobuf", new byte[3]);
        assertEquals("Sun, 22 Nov 2026 05:20:01 GMT", a.headers().get("date"));
        clock.advance(Duration.ofMillis(899));
        assertEquals("Sun, 22 Nov 2026 05:20:01 GMT", responses.of(HttpResponseStatus.OK, "text/plain",
                new byte[0]).headers().get("Date"));
        clock.advance(Duration.ofMillis(1));
        assertEquals("Sun, 22 Nov 2026 05:20:02 GMT", responses.of(HttpResponseStatus.OK, "text/plain",
                new byte[0]).headers().get("Date"));
        clock.set(Instant.parse("2026-11-22T05:19:59Z")); // a clock set back is followed too
        assertEquals("Sun, 22 Nov 2026 05:19:59 GMT", responses.of(HttpResponseStatus.OK, "text/plain",
                new byte[0]).headers().get("Date"));
        a.release();
    }

    @Test
    void theDateIsAnImfFixdateWithATwoDigitDayOnEveryDay() {
        assertEquals("Thu, 03 Dec 2026 16:03:55 GMT",
                new Responses(new MutableClock(Instant.parse("2026-12-03T16:03:55.999Z"))).date());
        java.util.regex.Pattern imfFixdate = java.util.regex.Pattern.compile(
                "(Mon|Tue|Wed|Thu|Fri|Sat|Sun), [0-3][0-9] (Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec) "
                        + "[0-9]{4} [0-2][0-9]:[0-5][0-9]:[0-6][0-9] GMT");
        for (Instant t = Instant.parse("2027-12-31T23:59:59Z"); t.isAfter(Instant.parse("2026-01-01T00:00:00Z"));
                t = t.minus(Duration.ofHours(7))) {
            String date = new Responses(new MutableClock(t)).date();
            assertTrue(imfFixdate.matcher(date).matches(), date);
            assertEquals(t, java.time.ZonedDateTime.parse(date, java.time.format.DateTimeFormatter.RFC_1123_DATE_TIME)
                    .toInstant(), date);
        }
    }

    @Test
    void namesAreSetInCanonicalCaseSoNothingIsRewritten() {
        FullHttpResponse r = new Responses(new MutableClock(Instant.EPOCH)).of(HttpResponseStatus.OK,
                "application/x-protobuf", new byte[] {1, 2});
        assertEquals(List.of("Content-Type", "Content-Length", "Date", "X-Content-Type-Options"), names(r.headers()));
        assertEquals("2", r.headers().get("content-length"));
        assertEquals("nosniff", r.headers().get("x-content-type-options"));
        r.release();
    }

    @Test
    void isCanonicalAgreesWithCanonical() {
        for (String name : List.of("Content-Type", "content-type", "CONTENT-TYPE", "Content-type", "Date", "date",
                "WWW-Authenticate", "Www-Authenticate", "www-authenticate", "ETag", "Etag", "TE", "Te", "DNT", "Dnt",
                "Content-MD5", "Content-Md5", "X-XSS-Protection", "X-Xss-Protection", "Outpost-Watermark",
                "Retry-After", "retry-after", "X", "x", "-", "A--B", "a--b", "Idempotency-Key")) {
            assertEquals(CanonicalHeaderNames.canonical(name).equals(name), CanonicalHeaderNames.isCanonical(name),
                    name);
        }
        assertTrue(CanonicalHeaderNames.isCanonical(Responses.CONTENT_TYPE));
        assertFalse(CanonicalHeaderNames.isCanonical(io.netty.handler.codec.http.HttpHeaderNames.CONTENT_TYPE));
    }

    @Test
    void canonicaliseRewritesLowerCaseNamesInOrderAndLeavesCanonicalOnesAlone() {
        HttpHeaders h = new io.netty.handler.codec.http.DefaultHttpHeaders();
        h.add("Content-Type", "a").add("retry-after", "5").add("www-authenticate", "Basic").add("Date", "d");
        CanonicalHeaderNames.canonicalise(h);
        assertEquals(List.of("Content-Type", "Retry-After", "WWW-Authenticate", "Date"), names(h));
        assertEquals("5", h.get("Retry-After"));
    }
}
