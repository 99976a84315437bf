package dev.outpost.gateway.view;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import org.junit.jupiter.api.Test;

class SelfMetricRowsTest {

    private static Series series(String metric, double value) {
        return new Series(new SinkPoint(Instant.parse("2026-11-22T05:20:00Z"), "acme", "a-1", "web-1", metric, "gauge",
                "By", Collections.emptySortedMap(), value, -1, Double.NaN, "a-1:1"));
    }

    @Test
    void showsAtMostTwelveRowsAndCountsTheRest() {
        List<Series> series = new ArrayList<>();
        for (int i = 1; i <= 14; i++) {
            series.add(series(String.format("outpost.agent.m%02d", i), i * 1024));
        }
        series.add(series("system.uptime", 5));
        List<Row> rows = new SelfMetricRows(series).rows();
        assertEquals(13, rows.size());
        assertEquals(new Row("agent", "m01  1.0 KiB"), rows.get(0));
        assertEquals(new Row("", "m12  12.0 KiB"), rows.get(11));
        assertEquals(new Row("", "(+2 more)"), rows.get(12));
    }

    @Test
    void noSelfMetricsNoRows() {
        assertEquals(List.of(), new SelfMetricRows(List.of(series("system.uptime", 5))).rows());
    }

    @Test
    void theNextRenewalAndTheLastPushAreShownAsTimes() {
        assertEquals(new Row("agent", "certificate.renewal.due_in  in " + HumanFormat.duration(12 * 3600 + 120)
                + " from this batch"), new SelfMetricRows(List.of(series("outpost.agent.certificate.renewal.due_in",
                        12 * 3600 + 120))).rows().get(0));
        assertEquals(new Row("agent", "certificate.renewal.due_in  due"), new SelfMetricRows(List.of(
                series("outpost.agent.certificate.renewal.due_in", 0))).rows().get(0));
        assertEquals(new Row("agent", "push.last_success.age  " + HumanFormat.duration(7) + " before this batch"),
                new SelfMetricRows(List.of(series("outpost.agent.push.last_success.age", 7))).rows().get(0));
    }
}
