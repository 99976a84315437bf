package dev.outpost.gateway.sink;

import io.opentelemetry.proto.common.v1.AnyValue;
import io.opentelemetry.proto.common.v1.KeyValue;
import java.math.BigDecimal;
import java.util.Base64;

/**
 * An attribute value as text, the same in every sink and as the OpenTelemetry Collector's {@code AsString}:
 * strings as they are, numbers in plain decimal ({@code 1}, {@code 0.25}, {@code NaN}, {@code +Inf}), booleans
 * {@code true}/{@code false}, bytes in base64, arrays and key-value lists as compact JSON.
 */
public final class AttributeText {
    private AttributeText() {
    }

    public static String of(AnyValue v) {
        return switch (v.getValueCase()) {
            case STRING_VALUE -> v.getStringValue();
            case BOOL_VALUE -> Boolean.toString(v.getBoolValue());
            case INT_VALUE -> Long.toString(v.getIntValue());
            case DOUBLE_VALUE -> number(v.getDoubleValue());
            case BYTES_VALUE -> Base64.getEncoder().encodeToString(v.getBytesValue().toByteArray());
            case ARRAY_VALUE, KVLIST_VALUE -> {
                StringBuilder sb = new StringBuilder();
                json(v, sb);
                yield sb.toString();
            }
            case STRING_VALUE_STRINDEX, VALUE_NOT_SET -> "";
        };
    }

    /** A double in plain decimal without a needless fraction: 1, 0.005, 1500000, NaN, +Inf, -Inf. */
    public static String number(double d) {
        if (Double.isNaN(d)) {
            return "NaN";
        }
        if (Double.isInfinite(d)) {
            return d > 0 ? "+Inf" : "-Inf";
        }
        if (d == Math.rint(d) && Math.abs(d) < 1e15) {
            return Long.toString((long) d);
        }
        return BigDecimal.valueOf(d).stripTrailingZeros().toPlainString();
    }

    private static void json(AnyValue v, StringBuilder sb) {
        switch (v.getValueCase()) {
            case STRING_VALUE -> quote(v.getStringValue(), sb);
            case BOOL_VALUE, INT_VALUE -> sb.append(of(v));
            case DOUBLE_VALUE -> {
                double d = v.getDoubleValue();
                if (Double.isFinite(d)) {
                    sb.append(number(d));
                } else {
                    quote(number(d), sb);
                }
            }
            case BYTES_VALUE -> quote(of(v), sb);
            case ARRAY_VALUE -> {
                sb.append('[');
                for (int i = 0; i < v.getArrayValue().getValuesCount(); i++) {
                    if (i > 0) {
                        sb.append(',');
                    }
                    json(v.getArrayValue().getValues(i), sb);
                }
                sb.append(']');
            }
            case KVLIST_VALUE -> {
                sb.append('{');
                for (int i = 0; i < v.getKvlistValue().getValuesCount(); i++) {
                    KeyValue kv = v.getKvlistValue().getValues(i);
                    if (i > 0) {
                        sb.append(',');
                    }
                    quote(kv.getKey(), sb);
                    sb.append(':');
                    json(kv.getValue(), sb);
                }
                sb.append('}');
            }
            case STRING_VALUE_STRINDEX, VALUE_NOT_SET -> sb.append("null");
        }
    }

    private static void quote(String s, StringBuilder sb) {
        sb.append('"');
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            switch (c) {
                case '"' -> sb.append("\\\"");
                case '\\' -> sb.append("\\\\");
                case '\n' -> sb.append("\\n");
                case '\r' -> sb.append("\\r");
                case '\t' -> sb.append("\\t");
                default -> {
                    if (c < 0x20) {
                        sb.append(String.format("\\u%04x", (int) c));
                    } else {
                        sb.append(c);
                    }
                }
            }
        }
        sb.append('"');
    }
}
