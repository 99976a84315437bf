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

    /** The time of the data point of {@link #batch}: 2026-11-18T... in Unix nanoseconds. */
    static final long TIME = 1_795_000_000_000_000_000L;

    /** A batch of exactly one data point. */
    static ExportMetricsServiceRequest batch(double value) {
        return batchAt(TIME, value);
    }

    /** A batch of exactly one data point at {@code timeNanos}. */
    static ExportMetricsServiceRequest batchAt(long timeNanos, double value) {
        Metric m = Metric.newBuilder().setName("system.memory.utilization").setUnit("1").setGauge(Gauge.newBuilder()
                .addDataPoints(NumberDataPoint.newBuilder().setTimeUnixNano(timeNanos)
                        .setAsDouble(value))).build();
        return ExportMetricsServiceRequest.newBuilder().addResourceMetrics(ResourceMetrics.newBuilder()
                .setResource(Resource.newBuilder().addAttributes(KeyValue.newBuilder().setKey("host.name")
                        .setValue(AnyValue.newBuilder().setStringValue("web-1"))))
                .addScopeMetrics(ScopeMetrics.newBuilder().addMetrics(m))).build();
    }

    /** A batch holding {@code m}, with host.name web-1. */
    static ExportMetricsServiceRequest withMetric(Metric m) {
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

    /**
     * Writes {@code request} into {@code ch} and returns the responses it produces, waiting (at most 10 s) until
     * there are {@code expect} of them: the pipeline answers from its own thread, through the channel's executor.
     */
    static List<Response> exchange(io.netty.channel.embedded.EmbeddedChannel ch, byte[] request, int expect)
            throws IOException, InterruptedException {
        ch.writeInbound(io.netty.buffer.Unpooled.wrappedBuffer(request));
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        List<Response> responses = List.of();
        long deadline = System.nanoTime() + java.util.concurrent.TimeUnit.SECONDS.toNanos(10);
        while (responses.size() < expect && System.nanoTime() < deadline) {
            ch.runPendingTasks();
            for (io.netty.buffer.ByteBuf b = ch.readOutbound(); b != null; b = ch.readOutbound()) {
                byte[] bytes = new byte[b.readableBytes()];
                b.readBytes(bytes);
                out.writeBytes(bytes);
                b.release();
            }
            responses = readAll(out.toByteArray());
            if (responses.size() < expect) {
                Thread.sleep(2);
            }
        }
        ch.runPendingTasks();
        return responses;
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

    /**
     * {@code agent/batch} of every batch in the file sink (its resource line), file by file: orgs in name order,
     * each org's files in the order written.
     */
    static List<String> stored(Path sinkDir) throws IOException {
        List<String> out = new ArrayList<>();
        for (String line : lines(sinkDir)) {
            if (!line.contains("\"resource\":")) {
                continue;
            }
            Matcher m = BATCH.matcher(line);
            out.add(m.find() && line.endsWith("}") ? m.group(1) + "/" + m.group(2) : "unreadable: " + line);
        }
        return out;
    }

    /** Every line of every file of the file sink (gzip or not), orgs in name order, files in the order written. */
    static List<String> lines(Path sinkDir) throws IOException {
        List<String> out = new ArrayList<>();
        if (!Files.isDirectory(sinkDir)) {
            return out;
        }
        List<Path> files;
        try (Stream<Path> s = Files.walk(sinkDir)) {
            files = s.filter(Files::isRegularFile).sorted().toList();
        }
        for (Path f : files) {
            byte[] bytes = Files.readAllBytes(f);
            if (f.toString().endsWith(".gz") && bytes.length > 0) {
                try (InputStream in = new java.util.zip.GZIPInputStream(new java.io.ByteArrayInputStream(bytes))) {
                    bytes = in.readAllBytes();
                }
            }
            String text = new String(bytes, StandardCharsets.UTF_8);
            for (String line : text.split("\n")) {
                if (!line.isEmpty()) {
                    out.add(line);
                }
            }
        }
        return out;
    }
}
