package dev.outpost.gateway.ingest;

import dev.outpost.gateway.ca.AgentIdentity;
import dev.outpost.wire.WireNames;
import io.opentelemetry.proto.collector.metrics.v1.ExportMetricsServiceRequest;
import io.opentelemetry.proto.common.v1.AnyValue;
import io.opentelemetry.proto.common.v1.KeyValue;
import io.opentelemetry.proto.metrics.v1.ResourceMetrics;
import io.opentelemetry.proto.resource.v1.Resource;
import java.util.Set;

/**
 * Sets {@code outpost.org.id}, {@code outpost.agent.id} and {@code service.instance.id} (the agent id) on every
 * resource from the verified certificate, removing whatever the payload claimed: identity comes from the
 * certificate only, and every sink names the agent the same way (Prometheus' {@code instance} label is
 * {@code service.instance.id}).
 */
final class IdentityStamp {
    static final String SERVICE_INSTANCE_ID = "service.instance.id";
    private static final Set<String> STAMPED = Set.of(WireNames.ATTR_ORG, WireNames.ATTR_AGENT, SERVICE_INSTANCE_ID);

    private IdentityStamp() {
    }

    static ExportMetricsServiceRequest apply(ExportMetricsServiceRequest req, AgentIdentity id) {
        ExportMetricsServiceRequest.Builder b = req.toBuilder();
        for (ResourceMetrics.Builder rm : b.getResourceMetricsBuilderList()) {
            Resource.Builder r = rm.getResourceBuilder();
            for (int i = r.getAttributesCount() - 1; i >= 0; i--) {
                if (STAMPED.contains(r.getAttributes(i).getKey())) {
                    r.removeAttributes(i);
                }
            }
            r.addAttributes(attr(WireNames.ATTR_ORG, id.org()));
            r.addAttributes(attr(WireNames.ATTR_AGENT, id.agentId()));
            r.addAttributes(attr(SERVICE_INSTANCE_ID, id.agentId()));
        }
        return b.build();
    }

    private static KeyValue attr(String key, String value) {
        return KeyValue.newBuilder().setKey(key).setValue(AnyValue.newBuilder().setStringValue(value)).build();
    }
}
