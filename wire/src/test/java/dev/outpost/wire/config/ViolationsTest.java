package dev.outpost.wire.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;

class ViolationsTest {
    private static final String EXAMPLE = "https://gateway.example.com:8443";

    private static String url(String url) {
        Violations v = new Violations();
        v.httpsUrl("server", url == null ? null : URI.create(url), EXAMPLE);
        return v.isEmpty() ? "ok" : assertThrows(InvalidConfigException.class, v::throwIfAny).getMessage();
    }

    @Test
    void acceptsHttpsUrls() {
        assertEquals("ok", url("https://gw.example.com:8443"));
        assertEquals("ok", url("https://gw.example.com"));
        assertEquals("ok", url("HTTPS://[::1]:8443/base"));
    }

    @Test
    void rejectsOtherUrlsSayingWhy() {
        String fix = "; use e.g. \"" + EXAMPLE + "\"";
        assertEquals("server: missing; set it to the gateway's URL, e.g. \"" + EXAMPLE + "\"", url(null));
        assertEquals("server: \"http://gw:8443\" is not an https URL" + fix, url("http://gw:8443"));
        assertEquals("server: \"gw.example.com:8443\" is not an https URL" + fix, url("gw.example.com:8443"));
        assertEquals("server: \"https:///x\" has no valid host name" + fix, url("https:///x"));
        assertEquals("server: \"https://gate_way:8443\" has no valid host name" + fix, url("https://gate_way:8443"));
        assertEquals("server: \"https://gw:70000\" has port 70000, out of range 1..65535" + fix, url("https://gw:70000"));
        assertEquals("server: \"https://gw/x?a=b\" must not have a query (?) or fragment (#)" + fix, url("https://gw/x?a=b"));
        assertEquals("server: \"https://***@gw\" must not contain a user name or password; remove the part before \"@\"",
                url("https://u:secret@gw"));
    }

    @Test
    void rangesNameValueRangeAndExample() {
        Violations v = new Violations();
        v.durationBetween("interval", Duration.ofHours(2), Duration.ofSeconds(1), Duration.ofHours(1), Duration.ofSeconds(10));
        v.between("max_files", 0, 1, 100_000, 20);
        v.bytesBetween("max_body_bytes", 100, 1024, 64L << 20, 4L << 20);
        v.absolutePath("state_dir", Path.of("state"), "/var/lib/outpost-agent");
        v.noEmptyEntries("hostnames", Arrays.asList("a", null));
        assertEquals(List.of(
                new Violation("interval", "\"2h\" is out of range; use a duration between 1s and 1h, e.g. \"10s\""),
                new Violation("max_files", "0 is out of range; use a whole number between 1 and 100000, e.g. 20"),
                new Violation("max_body_bytes", "100 is out of range; use a number of bytes between 1024 (1 KiB) and "
                        + "67108864 (64 MiB), e.g. 4194304 (4 MiB)"),
                new Violation("state_dir", "\"state\" is not an absolute path; use e.g. \"/var/lib/outpost-agent\""),
                new Violation("hostnames", "has an empty entry; remove it")),
                assertThrows(InvalidConfigException.class, v::throwIfAny).violations());
    }

    @Test
    void valuesInRangePass() {
        Violations v = new Violations();
        v.durationBetween("interval", Duration.ofSeconds(1), Duration.ofSeconds(1), Duration.ofHours(1), Duration.ofSeconds(10));
        v.between("n", 100_000, 1, 100_000, 20);
        v.absolutePath("state_dir", Path.of("/var/lib/x"), "/var/lib/outpost-agent");
        v.noEmptyEntries("hostnames", List.of("a"));
        assertTrue(v.isEmpty());
        v.throwIfAny();
    }

    @Test
    void suggestsOnlyCloseKeys() {
        List<String> keys = List.of("interval", "server", "max_queued_batches", "log");
        assertEquals("interval", Suggestions.closest("intervall", keys).orElseThrow());
        assertEquals("interval", Suggestions.closest("Interval", keys).orElseThrow());
        assertEquals("max_queued_batches", Suggestions.closest("maxQueuedBatches", keys).orElseThrow());
        assertEquals("server", Suggestions.closest("sever", keys).orElseThrow());
        assertEquals("log", Suggestions.closest("lg", keys).orElseThrow());
        assertTrue(Suggestions.closest("colour", keys).isEmpty());
        assertTrue(Suggestions.closest("x", keys).isEmpty());
    }
}
