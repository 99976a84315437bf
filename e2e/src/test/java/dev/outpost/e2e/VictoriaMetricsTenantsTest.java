package dev.outpost.e2e;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Two orgs through one gateway into a real VictoriaMetrics 1.79 (started by the test), with the org in the write
 * URL ({@code ?extra_label=tenant={org}}): each org's series arrive only under its own URL, so a query for one
 * tenant never returns another org's series; and this host's metrics are queryable there by PromQL.
 */
class VictoriaMetricsTenantsTest {
    @TempDir
    Path root;

    @Test
    void eachOrgsSeriesArriveOnlyUnderItsOwnTenant() throws Exception {
        try (MetricStore vm = MetricStore.start(MetricStore.Kind.VICTORIA_METRICS, root, "vm");
                Gateway gateway = Gateway.start(root, "gateway", Map.of("OUTPOST_GATEWAY_SINK_TYPE",
                        "prometheus_remote_write", "OUTPOST_GATEWAY_SINK_PROMETHEUS_REMOTE_WRITE_URL",
                        vm.writeUrl("extra_label=tenant={org}")), "localhost", "127.0.0.1")) {
            TestAgent acme = new TestAgent(gateway, root, "acme-agent", "acme", "");
            TestAgent globex = new TestAgent(gateway, root, "globex-agent", "globex", "");
            acme.start();
            globex.start();
            try {
                for (TestAgent a : new TestAgent[] {acme, globex}) {
                    String q = "system_cpu_time_seconds_total{outpost_agent=\"" + a.id + "\"}";
                    Proc.await(() -> {
                        try {
                            return vm.query(q).size() > 0;
                        } catch (Exception e) {
                            return false;
                        }
                    }, Duration.ofSeconds(60), q + " in VictoriaMetrics");
                }
                for (String org : new String[] {"acme", "globex"}) {
                    JsonNode byOrg = vm.query("count by (outpost_org, outpost_agent) ({tenant=\"" + org + "\"})");
                    Set<String> orgs = new TreeSet<>();
                    for (JsonNode s : byOrg) {
                        orgs.add(s.path("metric").path("outpost_org").asText());
                    }
                    assertEquals(Set.of(org), orgs, "tenant " + org + " holds only its own org's series: " + byOrg);
                    assertEquals(org.equals("acme") ? acme.id : globex.id,
                            byOrg.get(0).path("metric").path("outpost_agent").asText());
                }
                JsonNode labels = vm.query("system_cpu_time_seconds_total{outpost_agent=\"" + acme.id + "\"}").get(0)
                        .path("metric");
                assertEquals("outpost-agent", labels.path("job").asText(), labels.toString());
                assertEquals(acme.id, labels.path("instance").asText(), labels.toString());
                assertTrue(vm.query("target_info{tenant=\"globex\"}").size() == 1);
            } finally {
                acme.proc.stop();
                globex.proc.stop();
            }
        }
    }
}
