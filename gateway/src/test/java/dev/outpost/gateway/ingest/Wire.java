package dev.outpost.gateway.ingest;

import io.opentelemetry.proto.collector.metrics.v1.ExportMetricsServiceRequest;
import io.opentelemetry.proto.common.v1.AnyValue;
import io.opentelemetry.proto.common.v1.KeyValue;
import io.opentelemetry.proto.metrics.v1.Gauge;
import io.opentelemetry.proto.metrics.v1.Metric;
import io.opentelemetry.proto.metrics.v1.NumberDataPoint;
import io.opentelemetry.proto.metrics.v1.ResourceMetrics;
import io.opentelemetry.proto.metrics.v1.ScopeMetrics;
import io.opentelemetry.proto.resource.v1.Resource;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.SocketException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/** What ingest tests send and read: one-point OTLP batches, raw HTTP/1.1 requests and responses, sink lines. */
final class Wire {
    static final String PROTOBUF = "application/x-protobuf";
    private static final Pattern BATCH = Pattern.compile("\"agent\":\"([^\"]*)\".*\"batch\":\"([^\"]*)\"");

    private Wire() {
    }

    /** A batch of exactly one data point, so that one batch is one sink line. */
    static ExportMetricsServiceRequest batch(double value) {
        Metric m = Metric.newBuilder().setName("system.memory.utilization").setUnit("1").setGauge(Gauge.newBuilder()
                .addDataPoints(NumberDataPoint.newBuilder().setTimeUnixNano(1_795_000_000_000_000_000L)
                        .setAsDouble(value))).build();
        return ExportMetricsServiceRequest.newBuilder().addResourceMetrics(ResourceMetrics.newBuilder()
                .setResource(Resource.newBuilder().addAttributes(KeyValue.newBuilder().setKey("host.name")
                        .setValue(AnyValue.newBuilder().setStringValue("web-1"))))
                .addScopeMetrics(ScopeMetrics.newBuilder().addMetrics(m))).build();
    }

    /** {@code POST /v1/metrics} with the given key (none if null), content type and body. */
    static byte[] post(String key, String contentType, byte[] body) {
        String head = "POST /v1/metrics HTTP/1.1\r\nHost: gw\r\nContent-Type: " + contentType + "\r\n"
                + (key == null ? "" : "Idempotency-Key: " + key + "\r\n")
                + "Content-Length: " + body.length + "\r\n\r\n";
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        out.writeBytes(head.getBytes(StandardCharsets.ISO_8859_1));
        out.writeBytes(body);
        return out.toByteArray();
    }

    static byte[] post(String key) {
        return post(key, PROTOBUF, batch(0.5).toByteArray());
    }

    static byte[] concat(byte[]... parts) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        for (byte[] p : parts) {
            out.writeBytes(p);
        }
        return out.toByteArray();
    }

    /** A response: status code, lower-cased header names, body. */
    record Response(int status, Map<String, String> headers, byte[] body) {
        String header(String name) {
            return headers.get(name);
        }
    }

    /** Reads one response; null at the end of the stream (or a reset after it). */
    static Response read(InputStream in) throws IOException {
        String status;
        try {
            status = line(in);
        } catch (SocketException e) {
            return null;
        }
        if (status == null) {
            return null;
        }
        Map<String, String> headers = new TreeMap<>();
        for (String h = line(in); h != null && !h.isEmpty(); h = line(in)) {
            int colon = h.indexOf(':');
            headers.put(h.substring(0, colon).trim().toLowerCase(Locale.ROOT), h.substring(colon + 1).trim());
        }
        byte[] body = in.readNBytes(Integer.parseInt(headers.getOrDefault("content-length", "0")));
        return new Response(Integer.parseInt(status.split(" ")[1]), headers, body);
    }

    /** All responses in {@code bytes}. */
    static List<Response> readAll(byte[] bytes) throws IOException {
        InputStream in = new java.io.ByteArrayInputStream(bytes);
        List<Response> out = new ArrayList<>();
        for (Response r = read(in); r != null; r = read(in)) {
            out.add(r);
        }
        return out;
    }

    private static String line(InputStream in) throws IOException {
        StringBuilder b = new StringBuilder();
        for (int c = in.read(); c != '\n'; c = in.read()) {
            if (c < 0) {
                return b.isEmpty() ? null : b.toString();
            }
            if (c != '\r') {
                b.append((char) c);
            }
        }
        return b.toString();
    }

    /** {@code agent/batch} of every line of every sink file, in the order written. */
    static List<String> stored(Path sinkDir) throws IOException {
        List<String> out = new ArrayList<>();
        if (!Files.isDirectory(sinkDir)) {
            return out;
        }
        List<Path> files;
        try (Stream<Path> s = Files.list(sinkDir)) {
            files = s.sorted().toList();
        }
        for (Path f : files) {
            for (String line : Files.readAllLines(f)) {
                Matcher m = BATCH.matcher(line);
                out.add(m.find() && line.endsWith("}") ? m.group(1) + "/" + m.group(2) : "unreadable: " + line);
            }
        }
        return out;
    }
}
