package dev.outpost.bench;

import io.opentelemetry.proto.collector.metrics.v1.ExportMetricsServiceRequest;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.zip.GZIPOutputStream;

/** What the benchmarks share: counting a batch's points, gzip as the agent sends, the gateway CLI's output. */
final class Batches {
    private Batches() {
    }

    /** The data points of every kind in a batch. */
    static int points(ExportMetricsServiceRequest req) {
        int n = 0;
        for (var rm : req.getResourceMetricsList()) {
            for (var sm : rm.getScopeMetricsList()) {
                for (var m : sm.getMetricsList()) {
                    n += switch (m.getDataCase()) {
                        case GAUGE -> m.getGauge().getDataPointsCount();
                        case SUM -> m.getSum().getDataPointsCount();
                        case HISTOGRAM -> m.getHistogram().getDataPointsCount();
                        case EXPONENTIAL_HISTOGRAM -> m.getExponentialHistogram().getDataPointsCount();
                        case SUMMARY -> m.getSummary().getDataPointsCount();
                        default -> 0;
                    };
                }
            }
        }
        return n;
    }

    static byte[] gzip(byte[] data) throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try (GZIPOutputStream gz = new GZIPOutputStream(out)) {
            gz.write(data);
        }
        return out.toByteArray();
    }

    /** The value of a {@code name: value} line the gateway's CLI printed (token create, init). */
    static String field(String output, String name) {
        Matcher m = Pattern.compile("(?m)^" + Pattern.quote(name) + ": (\\S+)$").matcher(output);
        if (!m.find()) {
            throw new IllegalStateException("no \"" + name + ":\" line in the gateway's output");
        }
        return m.group(1);
    }

    static void check(int exit, String what) {
        if (exit != 0) {
            throw new IllegalStateException(what + " failed with exit " + exit);
        }
    }
}
