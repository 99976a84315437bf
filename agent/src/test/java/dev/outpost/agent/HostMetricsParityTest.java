package dev.outpost.agent;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.outpost.agent.HostMetricsDefinitions.Attribute;
import dev.outpost.agent.HostMetricsDefinitions.Definition;
import dev.outpost.agent.collect.FixtureHostProbe;
import dev.outpost.agent.collect.OshiHostProbe;
import dev.outpost.agent.metrics.MetricDef;
import io.opentelemetry.proto.collector.metrics.v1.ExportMetricsServiceRequest;
import io.opentelemetry.proto.common.v1.AnyValue;
import io.opentelemetry.proto.common.v1.KeyValue;
import io.opentelemetry.proto.metrics.v1.Gauge;
import io.opentelemetry.proto.metrics.v1.Metric;
import io.opentelemetry.proto.metrics.v1.NumberDataPoint;
import io.opentelemetry.proto.metrics.v1.ResourceMetrics;
import io.opentelemetry.proto.metrics.v1.ScopeMetrics;
import io.opentelemetry.proto.metrics.v1.Sum;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * What the agent sends is exactly the OpenTelemetry host metrics: batches made as the daemon makes them, from a
 * fixture host and from this host, decoded with the official OTLP classes and held against the pinned definitions
 * of the Collector's hostmetrics scrapers and of the agent's own meters (src/test/resources/hostmetrics/).
 */
class HostMetricsParityTest {
    private static final Map<String, Definition> DEFINITIONS = HostMetricsDefinitions.load();
    private static final Instant NOW = Instant.parse("2026-11-22T05:20:00Z");
    private final ParityCheck check = new ParityCheck(DEFINITIONS);
    @TempDir
    Path dir;

    @Test
    void fixtureHostBatchesMatchTheDefinitionsAndCarryEveryDefaultMetricAndEveryOwnMeter() throws Exception {
        FixtureHostProbe probe = new FixtureHostProbe("basic");
        try (AgentMetricsHarness agent = new AgentMetricsHarness(probe, dir, NOW)) {
            ExportMetricsServiceRequest first = agent.batch();
            assertEquals(List.of(), check.differences(first));
            assertEquals(Set.of(), missingDefaults(first, Set.of()));

            agent.pushTwoBatches();
            agent.renewCertificate();
            probe.use("later");
            ExportMetricsServiceRequest later = agent.batch();

            assertEquals(List.of(), check.differences(later));
            assertEquals(Set.of(), missingDefaults(later, Set.of("system.paging.usage")),
                    "the later fixture host has no swap, so no paging usage");
            assertEquals(Set.of(), missing(later, HostMetricsDefinitions.AGENT),
                    "after a push and a renewal, every one of the agent's own meters is sent");
        }
    }

    @Test
    void thisHostsBatchMatchesTheDefinitionsAndCarriesEveryDefaultMetricItHasDataFor() throws Exception {
        assumeTrue(Files.isReadable(Path.of("/proc/stat")), "needs Linux /proc");
        boolean swap = Files.readAllLines(Path.of("/proc/swaps")).size() > 1;
        try (AgentMetricsHarness agent = new AgentMetricsHarness(OshiHostProbe.create(), dir, Instant.now())) {
            agent.batch();
            ExportMetricsServiceRequest batch = agent.batch();

            assertEquals(List.of(), check.differences(batch));
            assertEquals(Set.of(), missingDefaults(batch, swap ? Set.of() : Set.of("system.paging.usage")),
                    "every default metric (paging usage only where there is swap; this host has "
                            + (swap ? "swap" : "none") + ")");
        }
    }

    @Test
    void everyDefinitionInTheCodeIsThePinnedOne() throws Exception {
        try (AgentMetricsHarness agent = new AgentMetricsHarness(new FixtureHostProbe("basic"), dir, NOW)) {
            List<String> differences = new ArrayList<>();
            for (MetricDef def : agent.metrics().definitions()) {
                Definition pinned = DEFINITIONS.get(def.name());
                if (pinned == null) {
                    differences.add(def.name() + " is not pinned");
                    continue;
                }
                String code = shape(def.instrument(), def.valueType().name().toLowerCase(), def.unit(),
                        def.description(), def.attributes(), def.bounds());
                String expected = shape(pinned, pinned.attributes().stream().map(Attribute::name).toList());
                if (!code.equals(expected)) {
                    differences.add(def.name() + ": code " + code + " vs pinned " + expected);
                }
            }
            assertEquals(List.of(), differences);
        }
    }

    @Test
    void theCheckNamesEveryKindOfDifference() {
        Metric gaugeNotSum = Metric.newBuilder().setName("system.memory.usage").setUnit("bytes")
                .setDescription("Bytes of memory in use.").setGauge(Gauge.newBuilder().addDataPoints(
                        NumberDataPoint.newBuilder().setTimeUnixNano(2).setAsDouble(1))).build();
        Metric doubleNotInt = Metric.newBuilder().setName("system.processes.count").setUnit("{processes}")
                .setDescription("Total number of processes in each state.").setSum(Sum.newBuilder()
                        .setIsMonotonic(true).setAggregationTemporality(
                                io.opentelemetry.proto.metrics.v1.AggregationTemporality.AGGREGATION_TEMPORALITY_DELTA)
                        .addDataPoints(NumberDataPoint.newBuilder().setTimeUnixNano(2).setAsDouble(1)
                                .addAttributes(KeyValue.newBuilder().setKey("status")
                                        .setValue(AnyValue.newBuilder().setStringValue("asleep")))))
                .build();
        Metric unknown = Metric.newBuilder().setName("system.process.count").build();
        ExportMetricsServiceRequest request = ExportMetricsServiceRequest.newBuilder().addResourceMetrics(
                ResourceMetrics.newBuilder().addScopeMetrics(ScopeMetrics.newBuilder().addMetrics(gaugeNotSum)
                        .addMetrics(doubleNotInt).addMetrics(unknown))).build();

        assertEquals(List.of(
                "system.memory.usage: instrument is gauge, defined as sum",
                "system.memory.usage: unit is bytes, defined as By",
                "system.processes.count: monotonic is true, defined as false",
                "system.processes.count: temporality is AGGREGATION_TEMPORALITY_DELTA, defined as "
                        + "AGGREGATION_TEMPORALITY_CUMULATIVE",
                "system.processes.count{status=asleep}: value type is double, defined as int",
                "system.processes.count{status=asleep}: cumulative data needs a start time at or before its time, "
                        + "has 0 for 2",
                "system.processes.count{status=asleep}: status=\"asleep\" is none of [blocked, daemon, detached, "
                        + "idle, locked, orphan, paging, running, sleeping, stopped, system, unknown, zombies]",
                "system.process.count: not defined by any scraper nor by the agent's own definitions"),
                check.differences(request));
    }

    /** The default-enabled metrics of the receiver's scrapers that {@code batch} lacks, but {@code excused}. */
    private static Set<String> missingDefaults(ExportMetricsServiceRequest batch, Set<String> excused) {
        Set<String> missing = new TreeSet<>();
        for (String scraper : HostMetricsDefinitions.SCRAPERS) {
            missing.addAll(missing(batch, scraper));
        }
        missing.removeAll(excused);
        return missing;
    }

    private static Set<String> missing(ExportMetricsServiceRequest batch, String scraper) {
        Set<String> sent = new TreeSet<>();
        batch.getResourceMetrics(0).getScopeMetrics(0).getMetricsList().forEach(m -> sent.add(m.getName()));
        Set<String> missing = new TreeSet<>();
        for (Definition d : DEFINITIONS.values()) {
            if (d.scraper().equals(scraper) && d.enabled() && !sent.contains(d.name())) {
                missing.add(d.name());
            }
        }
        return missing;
    }

    private static String shape(Definition d, List<String> attributes) {
        String instrument = switch (d.instrument()) {
            case "sum" -> Boolean.TRUE.equals(d.monotonic()) ? "COUNTER" : "UP_DOWN_COUNTER";
            case "gauge" -> "GAUGE";
            default -> "HISTOGRAM";
        };
        return shape(MetricDef.Instrument.valueOf(instrument), d.valueType(), d.unit(), d.description(), attributes,
                d.bounds());
    }

    private static String shape(MetricDef.Instrument instrument, String valueType, String unit, String description,
            List<String> attributes, List<Double> bounds) {
        return instrument + " " + valueType + " " + unit + " " + new TreeSet<>(attributes) + " " + bounds + " \""
                + description + "\"";
    }
}
