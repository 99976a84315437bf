package dev.outpost.gateway.sink.prometheus;

import com.google.protobuf.CodedInputStream;
import io.airlift.compress.snappy.SnappyDecompressor;
import java.io.IOException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** Decodes what a remote write client sent: snappy, then a protobuf WriteRequest, as a test would read it. */
final class WriteRequests {
    /** One sample with its labels (in the order sent) . */
    record Sample(Map<String, String> labels, double value, long timestamp) {
        String name() {
            return labels.get("__name__");
        }
    }

    private WriteRequests() {
    }

    static List<Sample> decode(byte[] snappy) throws IOException {
        SnappyDecompressor d = new SnappyDecompressor();
        byte[] raw = new byte[SnappyDecompressor.getUncompressedLength(snappy, 0)];
        d.decompress(snappy, 0, snappy.length, raw, 0, raw.length);
        List<Sample> out = new ArrayList<>();
        CodedInputStream in = CodedInputStream.newInstance(raw);
        for (int tag = in.readTag(); tag != 0; tag = in.readTag()) {
            if (tag >>> 3 != 1) {
                in.skipField(tag);
                continue;
            }
            int old = in.pushLimit(in.readRawVarint32());
            Map<String, String> labels = new LinkedHashMap<>();
            List<double[]> samples = new ArrayList<>();
            for (int t = in.readTag(); t != 0; t = in.readTag()) {
                int lim = in.pushLimit(in.readRawVarint32());
                if (t >>> 3 == 1) {
                    String name = null;
                    String value = "";
                    for (int f = in.readTag(); f != 0; f = in.readTag()) {
                        if (f >>> 3 == 1) {
                            name = in.readString();
                        } else {
                            value = in.readString();
                        }
                    }
                    labels.put(name, value);
                } else {
                    double v = 0;
                    long ts = 0;
                    for (int f = in.readTag(); f != 0; f = in.readTag()) {
                        if (f >>> 3 == 1) {
                            v = in.readDouble();
                        } else {
                            ts = in.readInt64();
                        }
                    }
                    samples.add(new double[] {v, ts});
                }
                in.popLimit(lim);
            }
            in.popLimit(old);
            for (double[] s : samples) {
                out.add(new Sample(labels, s[0], (long) s[1]));
            }
        }
        return out;
    }
}
