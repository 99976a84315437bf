package dev.outpost.gateway.ingest;

import com.google.protobuf.CodedOutputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;

/**
 * The error body OTLP/HTTP prescribes: a protobuf {@code google.rpc.Status} (field 1 code, field 2 message).
 * Encoded here because the status message is two fields and not worth another dependency.
 */
final class OtlpStatus {
    /** gRPC codes used in bodies. */
    static final int INVALID_ARGUMENT = 3;
    static final int PERMISSION_DENIED = 7;
    static final int RESOURCE_EXHAUSTED = 8;
    static final int UNAVAILABLE = 14;
    static final int UNAUTHENTICATED = 16;
    static final int NOT_FOUND = 5;
    static final int UNIMPLEMENTED = 12;

    private OtlpStatus() {
    }

    static byte[] encode(int code, String message) {
        try {
            ByteArrayOutputStream bytes = new ByteArrayOutputStream();
            CodedOutputStream out = CodedOutputStream.newInstance(bytes);
            out.writeInt32(1, code);
            out.writeString(2, message);
            out.flush();
            return bytes.toByteArray();
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }
}
