package dev.outpost.agent.transport;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.List;
import org.junit.jupiter.api.Test;

/** What a request may carry into its head: nothing that would split or forge a line, nothing the client sets. */
class RequestTest {
    @Test
    void headersAreKeptInOrderAsLines() {
        Request r = Request.post("/v1/metrics", new byte[] {1}).header("Content-Type", "application/x-protobuf")
                .header("Idempotency-Key", "a-1:2");
        assertEquals(List.of("Content-Type: application/x-protobuf", "Idempotency-Key: a-1:2"), r.headerLines());
    }

    @Test
    void aLineBreakOrControlCharacterInAHeaderIsRefused() {
        Request r = Request.get("/");
        assertEquals("value of X-A holds a control character",
                assertThrows(IllegalArgumentException.class, () -> r.header("X-A", "b\r\nHost: evil")).getMessage());
        assertEquals("header name holds a control character",
                assertThrows(IllegalArgumentException.class, () -> r.header("X\nA", "b")).getMessage());
    }

    @Test
    void headersTheClientSetsItselfAreRefused() {
        Request r = Request.get("/");
        assertEquals("the client sets Content-Length itself",
                assertThrows(IllegalArgumentException.class, () -> r.header("Content-Length", "9")).getMessage());
        assertEquals("the client sets host itself",
                assertThrows(IllegalArgumentException.class, () -> r.header("host", "x")).getMessage());
    }

    @Test
    void aPathWithASpaceOrNothingIsRefused() {
        assertEquals("path \"/a b\" must be non-empty and without spaces",
                assertThrows(IllegalArgumentException.class, () -> Request.get("/a b")).getMessage());
        assertThrows(IllegalArgumentException.class, () -> Request.get(""));
        assertEquals("path holds a control character",
                assertThrows(IllegalArgumentException.class, () -> Request.get("/a\r\nX: y")).getMessage());
    }
}
