package dev.outpost.gateway.ingest;

import dev.outpost.gateway.ca.AgentIdentity;
import dev.outpost.wire.WireNames;
import io.opentelemetry.proto.collector.metrics.v1.ExportMetricsServiceRequest;
import io.opentelemetry.proto.common.v1.AnyValue;
import io.opentelemetry.proto.common.v1.KeyValue;
import io.opentelemetry.proto.metrics.v1.ResourceMetrics;
import io.opentelemetry.proto.resource.v1.Resource;

/**
 * Sets {@code outpost.org.id} and {@code outpost.agent.id} on every resource from the verified certificate,
 * removing whatever the payload claimed: identity comes from the certificate only.
 */
final class IdentityStamp {
    private IdentityStamp() {
    }

    static ExportMetricsServiceRequest apply(ExportMetricsServiceRequest req, AgentIdentity id) {
        ExportMetricsServiceRequest.Builder b = req.toBuilder();
        for (ResourceMetrics.Builder rm : b.getResourceMetricsBuilderList()) {
            Resource.Builder r = rm.getResourceBuilder();
            for (int i = r.getAttributesCount() - 1; i >= 0; i--) {
                String key = r.getAttributes(i).getKey();
                if (key.equals(WireNames.ATTR_ORG) || key.equals(WireNames.ATTR_AGENT)) {
                    r.removeAttributes(i);
                }
            }
            r.addAttributes(attr(WireNames.ATTR_ORG, id.org()));
            r.addAttributes(attr(WireNames.ATTR_AGENT, id.agentId()));
        }
        return b.build();
    }

    private static KeyValue attr(String key, String value) {
        return KeyValue.newBuilder().setKey(key).setValue(AnyValue.newBuilder().setStringValue(value)).build();
    }
}
