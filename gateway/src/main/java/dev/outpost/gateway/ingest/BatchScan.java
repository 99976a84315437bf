package dev.outpost.gateway.ingest;

import com.google.protobuf.CodedInputStream;
import com.google.protobuf.WireFormat;
import java.io.IOException;

/**
 * Walks a decoded OTLP {@code ExportMetricsServiceRequest} in its wire form, before anything is built from it,
 * and refuses what would expand beyond the limits: too many data points, metrics, resources, attributes, buckets;
 * attribute keys or values too long; values nested too deep; data point times that are not Unix nanoseconds. It
 * also finds what later steps need: the number of data points, the newest data point time, and whether some
 * attribute list repeats a key. It allocates nothing per element, so a hostile body costs one pass over its bytes.
 */
public final class BatchScan {
    /** What the scan found in a body that passed. */
    public record Result(int points, long newestNanos, boolean duplicateKeys) {
    }

    /** The body breaks a limit or is not a valid request; the message says which and what the limit is. */
    public static final class RefusedException extends Exception {
        private static final long serialVersionUID = 1L;
        private final boolean tooLarge;

        RefusedException(String message, boolean tooLarge) {
            super(message, null, false, false);
            this.tooLarge = tooLarge;
        }

        /** True when a count bound was exceeded (413), false for a malformed or invalid body (400). */
        public boolean tooLarge() {
            return tooLarge;
        }
    }

    /** Nesting of array and key-value list values allowed in attributes. */
    static final int MAX_VALUE_DEPTH = 4;
    static final int MAX_VALUES_PER_LIST = 128;
    static final int MAX_BUCKETS = 512;
    static final int MAX_NAME_BYTES = 255;
    static final int MAX_UNIT_BYTES = 63;
    static final int MAX_DESCRIPTION_BYTES = 1024;
    static final int MAX_RESOURCES = 1_000;
    /** A time before 2000-01-01T00:00:00Z is not a real measurement time: refused like a time of 0. */
    static final long MIN_TIME_NANOS = 946_684_800L * 1_000_000_000L;

    private final IngestLimitsView limits;
    private byte[] buf;
    private int points;
    private int metrics;
    private int resources;
    private long newest;
    private boolean duplicates;
    private final int[] keyStart = new int[1024];
    private final int[] keyLength = new int[1024];
    private final int[] keyHash = new int[1024];

    /** The bounds the scan enforces. */
    public interface IngestLimitsView {
        int maxPointsPerBatch();

        int maxMetricsPerBatch();

        int maxAttributes();

        int maxAttributeKeyBytes();

        int maxAttributeValueBytes();
    }

    public BatchScan(IngestLimitsView limits) {
        this.limits = limits;
        if (limits.maxAttributes() > keyStart.length) {
            throw new IllegalArgumentException("maxAttributes " + limits.maxAttributes() + " is above "
                    + keyStart.length);
        }
    }

    /** Scans {@code body}; not thread-safe (one scan per I/O thread). */
    public Result scan(byte[] body) throws RefusedException {
        buf = body;
        points = 0;
        metrics = 0;
        resources = 0;
        newest = 0;
        duplicates = false;
        try {
            CodedInputStream in = CodedInputStream.newInstance(body);
            while (true) {
                int tag = in.readTag();
                if (tag == 0) {
                    break;
                }
                if (tag == field(1, WireFormat.WIRETYPE_LENGTH_DELIMITED)) {
                    if (++resources > MAX_RESOURCES) {
                        throw tooLarge("more than " + MAX_RESOURCES + " resources in one request");
                    }
                    nested(in, this::resourceMetrics);
                } else {
                    in.skipField(tag);
                }
            }
        } catch (RefusedException e) {
            throw e;
        } catch (IOException | RuntimeException e) {
            throw new RefusedException("body is not a protobuf ExportMetricsServiceRequest: " + e.getMessage(),
                    false);
        } finally {
            buf = null;
        }
        return new Result(points, newest, duplicates);
    }

    @FunctionalInterface
    private interface Part {
        void read(CodedInputStream in) throws IOException, RefusedException;
    }

    private static void nested(CodedInputStream in, Part part) throws IOException, RefusedException {
        int length = in.readRawVarint32();
        if (length < 0) {
            throw new IOException("negative length");
        }
        int old = in.pushLimit(length);
        part.read(in);
        in.checkLastTagWas(0);
        in.popLimit(old);
    }

    private void resourceMetrics(CodedInputStream in) throws IOException, RefusedException {
        int[] attributes = {0, 0}; // the resource's attributes so far, and its fields seen
        for (int tag = in.readTag(); tag != 0; tag = in.readTag()) {
            switch (tag) {
                case 0x0a -> nested(in, r -> attributeHolder(r, 1, "resource", attributes));
                case 0x12 -> nested(in, this::scopeMetrics);
                default -> in.skipField(tag);
            }
        }
    }

    private void scopeMetrics(CodedInputStream in) throws IOException, RefusedException {
        int[] attributes = {0, 0};
        for (int tag = in.readTag(); tag != 0; tag = in.readTag()) {
            switch (tag) {
                case 0x0a -> nested(in, s -> attributeHolder(s, 3, "instrumentation scope", attributes));
                case 0x12 -> {
                    if (++metrics > limits.maxMetricsPerBatch()) {
                        throw tooLarge("more than " + limits.maxMetricsPerBatch() + " metrics in one request");
                    }
                    nested(in, this::metric);
                }
                default -> in.skipField(tag);
            }
        }
    }

    /**
     * A message whose attributes are repeated field {@code attributesField}: resource, scope. The field holding it
     * may appear more than once, and the parse merges the occurrences into one message: {@code state} carries the
     * attributes counted so far and the occurrences seen, so the limit holds for the merged list, and a second
     * occurrence counts as repeated keys (the duplicate check cannot look across occurrences; resolving is cheap).
     */
    private void attributeHolder(CodedInputStream in, int attributesField, String what, int[] state)
            throws IOException, RefusedException {
        if (++state[1] > 1) {
            duplicates = true;
        }
        int count = state[0];
        for (int tag = in.readTag(); tag != 0; tag = in.readTag()) {
            if (tag == field(attributesField, WireFormat.WIRETYPE_LENGTH_DELIMITED)) {
                count = attribute(in, count, what);
            } else {
                in.skipField(tag);
            }
        }
        state[0] = count;
    }

    private void metric(CodedInputStream in) throws IOException, RefusedException {
        for (int tag = in.readTag(); tag != 0; tag = in.readTag()) {
            switch (tag) {
                case 0x0a -> text(in, MAX_NAME_BYTES, "metric name");
                case 0x12 -> text(in, MAX_DESCRIPTION_BYTES, "metric description");
                case 0x1a -> text(in, MAX_UNIT_BYTES, "metric unit");
                case 0x2a, 0x3a, 0x5a -> nested(in, d -> dataPoints(d, 7));
                case 0x4a -> nested(in, d -> dataPoints(d, 9));
                case 0x52 -> nested(in, d -> dataPoints(d, 1));
                case 0x62 -> nested(in, kv -> keyValue(kv, 0, "metric metadata"));
                default -> in.skipField(tag);
            }
        }
    }

    /**
     * Gauge, Sum, Histogram, ExponentialHistogram or Summary: field 1 holds the data points, whose attributes are
     * field {@code attributesField} (7 for number and summary points, 9 for histogram, 1 for exponential).
     */
    private void dataPoints(CodedInputStream in, int attributesField) throws IOException, RefusedException {
        for (int tag = in.readTag(); tag != 0; tag = in.readTag()) {
            if (tag == 0x0a) {
                if (++points > limits.maxPointsPerBatch()) {
                    throw tooLarge("more than " + limits.maxPointsPerBatch() + " data points in one request");
                }
                nested(in, p -> point(p, attributesField));
            } else {
                in.skipField(tag);
            }
        }
    }

    /**
     * Any kind of data point: times are fixed64 fields 2 and 3 in all of them; other length-delimited fields are
     * buckets, bounds, quantiles or exemplars, bounded together.
     */
    private void point(CodedInputStream in, int attributesField) throws IOException, RefusedException {
        int attributes = 0;
        int buckets = 0;
        boolean timed = false;
        for (int tag = in.readTag(); tag != 0; tag = in.readTag()) {
            int number = WireFormat.getTagFieldNumber(tag);
            int type = WireFormat.getTagWireType(tag);
            if (type == WireFormat.WIRETYPE_FIXED64 && number == 3) {
                long time = in.readFixed64();
                if (time < MIN_TIME_NANOS) {
                    throw invalid("a data point has time_unix_nano " + Long.toUnsignedString(time)
                            + ", which is not a time since 2000 in Unix nanoseconds");
                }
                newest = Math.max(newest, time);
                timed = true;
            } else if (type == WireFormat.WIRETYPE_FIXED64 && number == 2) {
                long start = in.readFixed64();
                if (start < 0) {
                    throw invalid("a data point has start_time_unix_nano " + Long.toUnsignedString(start)
                            + ", beyond the year 2262");
                }
            } else if (type == WireFormat.WIRETYPE_LENGTH_DELIMITED && number == attributesField) {
                attributes = attribute(in, attributes, "data point");
            } else if (type == WireFormat.WIRETYPE_LENGTH_DELIMITED) {
                int length = in.readRawVarint32();
                buckets += length / 8 + 1;
                if (buckets > MAX_BUCKETS * 4) {
                    throw tooLarge("a data point has more than " + MAX_BUCKETS + " buckets or values");
                }
                in.skipRawBytes(length);
            } else {
                in.skipField(tag);
            }
        }
        if (!timed) {
            throw invalid("a data point has no time_unix_nano");
        }
    }

    /** One KeyValue of an attribute list already holding {@code count}; returns the new count. */
    private int attribute(CodedInputStream in, int count, String what) throws IOException, RefusedException {
        if (count >= limits.maxAttributes()) {
            throw tooLarge("a " + what + " has more than " + limits.maxAttributes() + " attributes");
        }
        int length = in.readRawVarint32();
        int old = in.pushLimit(length);
        keyValue(in, 0, what);
        in.checkLastTagWas(0);
        in.popLimit(old);
        checkDuplicate(count);
        return count + 1;
    }

    /** Reads a KeyValue; leaves its key's position in {@code lastKey*} for the duplicate check. */
    private void keyValue(CodedInputStream in, int depth, String what) throws IOException, RefusedException {
        int keyAt = 0;
        int keyBytes = 0;
        for (int tag = in.readTag(); tag != 0; tag = in.readTag()) {
            if (tag == 0x0a) {
                int length = in.readRawVarint32();
                if (length > limits.maxAttributeKeyBytes()) {
                    throw tooLarge("a " + what + " attribute key is " + length + " bytes, more than "
                            + limits.maxAttributeKeyBytes());
                }
                keyAt = in.getTotalBytesRead();
                keyBytes = length;
                in.skipRawBytes(length);
            } else if (tag == 0x12) {
                nested(in, v -> anyValue(v, depth, what));
            } else {
                in.skipField(tag);
            }
        }
        lastKeyStart = keyAt;
        lastKeyLength = keyBytes;
    }

    private int lastKeyStart;
    private int lastKeyLength;

    private void checkDuplicate(int index) {
        int hash = 1;
        for (int i = lastKeyStart; i < lastKeyStart + lastKeyLength; i++) {
            hash = 31 * hash + buf[i];
        }
        for (int i = 0; i < index; i++) {
            if (keyHash[i] == hash && keyLength[i] == lastKeyLength && java.util.Arrays.equals(buf, keyStart[i],
                    keyStart[i] + keyLength[i], buf, lastKeyStart, lastKeyStart + lastKeyLength)) {
                duplicates = true;
            }
        }
        keyStart[index] = lastKeyStart;
        keyLength[index] = lastKeyLength;
        keyHash[index] = hash;
    }

    private void anyValue(CodedInputStream in, int depth, String what) throws IOException, RefusedException {
        for (int tag = in.readTag(); tag != 0; tag = in.readTag()) {
            switch (tag) {
                case 0x0a, 0x3a -> {
                    // The refusal's text only when refused: this runs for every attribute value of every point.
                    int length = in.readRawVarint32();
                    if (length > limits.maxAttributeValueBytes()) {
                        throw tooLarge("a " + what + " attribute value is " + length + " bytes, more than "
                                + limits.maxAttributeValueBytes());
                    }
                    in.skipRawBytes(length);
                }
                case 0x2a, 0x32 -> {
                    if (depth + 1 >= MAX_VALUE_DEPTH) {
                        throw invalid("a " + what + " attribute value nests lists more than " + MAX_VALUE_DEPTH
                                + " deep");
                    }
                    boolean kv = tag == 0x32;
                    nested(in, list -> valueList(list, depth + 1, kv, what));
                }
                default -> in.skipField(tag);
            }
        }
    }

    private void valueList(CodedInputStream in, int depth, boolean keyValues, String what)
            throws IOException, RefusedException {
        int count = 0;
        for (int tag = in.readTag(); tag != 0; tag = in.readTag()) {
            if (tag == 0x0a) {
                if (++count > MAX_VALUES_PER_LIST) {
                    throw tooLarge("a " + what + " attribute value lists more than " + MAX_VALUES_PER_LIST
                            + " values");
                }
                if (keyValues) {
                    nested(in, kv -> keyValue(kv, depth, what));
                } else {
                    nested(in, v -> anyValue(v, depth, what));
                }
            } else {
                in.skipField(tag);
            }
        }
    }

    private static void text(CodedInputStream in, int max, String what) throws IOException, RefusedException {
        int length = in.readRawVarint32();
        if (length > max) {
            throw tooLarge(what + " is " + length + " bytes, more than " + max);
        }
        in.skipRawBytes(length);
    }

    private static int field(int number, int type) {
        return number << 3 | type;
    }

    private static RefusedException tooLarge(String message) {
        return new RefusedException(message, true);
    }

    private static RefusedException invalid(String message) {
        return new RefusedException(message, false);
    }
}
