package dev.outpost.agent.otlp;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;

/**
 * A protobuf writer into one growable array, for {@link OtlpEncoder}: fields are written in the order the caller
 * gives (field number order, as protobuf-java writes them), and a nested message's length is patched in when it
 * ends (its content is moved up in the rare case its length needs more than one varint byte). It writes exactly the
 * bytes protobuf-java's generated classes write for the same message, without building an object per field.
 * Not thread-safe.
 */
final class ProtoOut {
    private static final int VARINT = 0;
    private static final int FIXED64 = 1;
    private static final int LENGTH_DELIMITED = 2;

    private byte[] buf;
    private int pos;

    ProtoOut(int initialBytes) {
        this.buf = new byte[Math.max(16, initialBytes)];
    }

    /** The bytes written so far. */
    byte[] toByteArray() {
        return Arrays.copyOf(buf, pos);
    }

    int size() {
        return pos;
    }

    /** Starts the embedded message of {@code field}; returns the mark to give {@link #end(int)}. */
    int begin(int field) {
        tag(field, LENGTH_DELIMITED);
        ensure(1);
        return pos++;
    }

    /** Ends the embedded message begun at {@code mark}, writing its length before it. */
    void end(int mark) {
        int length = pos - mark - 1;
        int size = varintSize(length);
        if (size > 1) {
            ensure(size - 1);
            System.arraycopy(buf, mark + 1, buf, mark + size, length);
            pos += size - 1;
        }
        int at = mark;
        int v = length;
        while ((v & ~0x7F) != 0) {
            buf[at++] = (byte) ((v & 0x7F) | 0x80);
            v >>>= 7;
        }
        buf[at] = (byte) v;
    }

    /** A string field, left out when empty (proto3 default), as for fields without presence. */
    void string(int field, String value) {
        if (!value.isEmpty()) {
            stringAlways(field, value);
        }
    }

    /** A string field written even when empty (a member of a oneof). */
    void stringAlways(int field, String value) {
        byte[] bytes = value.getBytes(StandardCharsets.UTF_8);
        tag(field, LENGTH_DELIMITED);
        varint(bytes.length);
        ensure(bytes.length);
        System.arraycopy(bytes, 0, buf, pos, bytes.length);
        pos += bytes.length;
    }

    /** A fixed64 (or sfixed64) field, left out when 0. */
    void fixed64(int field, long value) {
        if (value != 0) {
            fixed64Always(field, value);
        }
    }

    /** A fixed64 or sfixed64 field written even when 0 (a member of a oneof). */
    void fixed64Always(int field, long value) {
        tag(field, FIXED64);
        rawFixed64(value);
    }

    /** A double field written whatever its value (a oneof member or a proto3 {@code optional}). */
    void doubleAlways(int field, double value) {
        fixed64Always(field, Double.doubleToRawLongBits(value));
    }

    /** An enum or int32 field (non-negative), left out when 0. */
    void int32(int field, int value) {
        if (value != 0) {
            tag(field, VARINT);
            varint(value);
        }
    }

    /** A bool field, left out when false. */
    void bool(int field, boolean value) {
        if (value) {
            tag(field, VARINT);
            varint(1);
        }
    }

    /** A packed repeated fixed64 field, left out when empty. */
    void packedFixed64(int field, long[] values) {
        if (values.length > 0) {
            tag(field, LENGTH_DELIMITED);
            varint(values.length * 8);
            for (long v : values) {
                rawFixed64(v);
            }
        }
    }

    /** A packed repeated double field, left out when empty. */
    void packedDouble(int field, double[] values) {
        if (values.length > 0) {
            tag(field, LENGTH_DELIMITED);
            varint(values.length * 8);
            for (double v : values) {
                rawFixed64(Double.doubleToRawLongBits(v));
            }
        }
    }

    private void tag(int field, int wireType) {
        varint(field << 3 | wireType);
    }

    private void varint(int value) {
        ensure(5);
        int v = value;
        while ((v & ~0x7F) != 0) {
            buf[pos++] = (byte) ((v & 0x7F) | 0x80);
            v >>>= 7;
        }
        buf[pos++] = (byte) v;
    }

    private void rawFixed64(long v) {
        ensure(8);
        buf[pos] = (byte) v;
        buf[pos + 1] = (byte) (v >>> 8);
        buf[pos + 2] = (byte) (v >>> 16);
        buf[pos + 3] = (byte) (v >>> 24);
        buf[pos + 4] = (byte) (v >>> 32);
        buf[pos + 5] = (byte) (v >>> 40);
        buf[pos + 6] = (byte) (v >>> 48);
        buf[pos + 7] = (byte) (v >>> 56);
        pos += 8;
    }

    private static int varintSize(int v) {
        if ((v & ~0x7F) == 0) {
            return 1;
        }
        if ((v & ~0x3FFF) == 0) {
            return 2;
        }
        if ((v & ~0x1FFFFF) == 0) {
            return 3;
        }
        if ((v & ~0xFFFFFFF) == 0) {
            return 4;
        }
        return 5;
    }

    private void ensure(int more) {
        if (pos + more > buf.length) {
            buf = Arrays.copyOf(buf, Math.max(buf.length * 2, pos + more));
        }
    }
}
