package dev.outpost.agent.transport;

import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.api.Test;

class OtlpPusherTest {
    @Test
    void statusCodesFollowTheOtlpHttpRetryRules() {
        assertEquals(PushResult.ACCEPTED, OtlpPusher.classify(200));
        assertEquals(PushResult.REJECTED, OtlpPusher.classify(400));
        assertEquals(PushResult.REJECTED, OtlpPusher.classify(413));
        assertEquals(PushResult.REJECTED, OtlpPusher.classify(415));
        assertEquals(PushResult.DENIED, OtlpPusher.classify(401));
        assertEquals(PushResult.DENIED, OtlpPusher.classify(403));
        for (int s : new int[] {408, 429, 500, 502, 503, 504}) {
            assertEquals(PushResult.RETRY, OtlpPusher.classify(s), "HTTP " + s);
        }
    }

    @Test
    void theGatewaysReasonIsReadFromAGoogleRpcStatusBody() {
        // google.rpc.Status{code=3, message="body is not a protobuf ExportMetricsServiceRequest"}
        byte[] msg = "body is not a protobuf ExportMetricsServiceRequest".getBytes();
        byte[] body = new byte[4 + msg.length];
        body[0] = 0x08;
        body[1] = 3;
        body[2] = 0x12;
        body[3] = (byte) msg.length;
        System.arraycopy(msg, 0, body, 4, msg.length);
        Response r = new Response(400, "application/x-protobuf", null, null, false, body);
        assertEquals("body is not a protobuf ExportMetricsServiceRequest", OtlpPusher.statusMessage(r));
        assertEquals("storage down", OtlpPusher.statusMessage(
                new Response(503, "text/plain", "5", null, false, "storage down\n".getBytes())));
    }
}
