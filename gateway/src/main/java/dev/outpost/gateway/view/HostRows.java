package dev.outpost.gateway.view;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.OptionalDouble;
import java.util.Set;

/**
 * Derives the curated rows of one host's table from the latest values of its series: CPU
 * utilisation, load, memory, swap, filesystems, disk and network rates, processes, uptime, and the
 * agent's self-metrics. A metric the agent does not send yields no row.
 */
final class HostRows {

    static final String NEEDS_SECOND_BATCH = "- (needs a second batch)";
    /** States that overlap the others (used + free + buffered + cached is the total): not summed into it. */
    private static final Set<String> NOT_PART_OF_TOTAL = Set.of("inactive", "available", "slab_reclaimable",
            "slab_unreclaimable");

    private final Map<String, List<Series>> byMetric = new HashMap<>();
    private final AgentState agent;

    HostRows(AgentState agent) {
        if (agent == null) {
            throw new IllegalArgumentException("agent must not be null");
        }
        this.agent = agent;
        for (Series series : agent.series()) {
            byMetric.computeIfAbsent(series.latest().metric(), m -> new ArrayList<>()).add(series);
        }
    }

    List<Row> rows() {
        List<Row> rows = new ArrayList<>();
        cpu(rows);
        load(rows);
        memory(rows);
        swap(rows);
        rows.addAll(new FilesystemRows(metric("system.filesystem.usage")).rows());
        disk(rows);
        network(rows);
        processes(rows);
        uptime(rows);
        rows.addAll(new SelfMetricRows(agent.series()).rows());
        return rows;
    }

    private void cpu(List<Row> rows) {
        List<Series> cpu = metric("system.cpu.time");
        if (cpu.isEmpty()) {
            return;
        }
        double idle = 0;
        double total = 0;
        Set<String> cpus = new HashSet<>();
        for (Series series : cpu) {
            cpus.add(String.valueOf(series.latest().attribute("cpu", "cpu.logical_number", "system.cpu.logical_number")));
            OptionalDouble delta = series.delta();
            if (delta.isEmpty()) {
                continue;
            }
            total += delta.getAsDouble();
            if ("idle".equals(series.latest().attribute("state", "cpu.mode", "system.cpu.state"))) {
                idle += delta.getAsDouble();
            }
        }
        String count = "  (" + cpus.size() + (cpus.size() == 1 ? " cpu)" : " cpus)");
        rows.add(new Row("cpu", total > 0 ? HumanFormat.percent(100 * (1 - idle / total)) + count : NEEDS_SECOND_BATCH));
    }

    private void load(List<Row> rows) {
        String[] windows = {"1m", "5m", "15m"};
        StringBuilder text = new StringBuilder();
        boolean any = false;
        for (String window : windows) {
            List<Series> series = metric("system.cpu.load_average." + window);
            any |= !series.isEmpty();
            text.append(series.isEmpty() ? "-" : String.format(Locale.ROOT, "%.2f", series.get(0).latest().value()));
            text.append(' ');
        }
        if (any) {
            rows.add(new Row("load", text.append(" (1m 5m 15m)").toString()));
        }
    }

    private void memory(List<Row> rows) {
        List<Series> usage = metric("system.memory.usage");
        if (usage.isEmpty()) {
            return;
        }
        double used = sumByState(usage, "used", "system.memory.state");
        List<Series> limit = metric("system.memory.limit");
        double total = limit.isEmpty() ? sumExcept(usage, "system.memory.state") : limit.get(0).latest().value();
        rows.add(new Row("memory", usedOfTotal(used, total)));
    }

    private void swap(List<Row> rows) {
        List<Series> paging = metric("system.paging.usage");
        if (paging.isEmpty()) {
            // Agents send no paging usage on a host without swap (as the Collector's receiver does).
            if (!metric("system.memory.usage").isEmpty()) {
                rows.add(new Row("swap", "none"));
            }
            return;
        }
        double total = sumExcept(paging, "system.paging.state");
        double used = sumByState(paging, "used", "system.paging.state");
        rows.add(new Row("swap", total > 0 ? usedOfTotal(used, total) : "none"));
    }

    private void disk(List<Row> rows) {
        List<Series> io = metric("system.disk.io");
        if (!io.isEmpty()) {
            rows.add(new Row("disk", twoRates(io, "read", "read", "write", "write", false)));
        }
    }

    private void network(List<Row> rows) {
        List<Series> io = metric("system.network.io");
        if (!io.isEmpty()) {
            rows.add(new Row("network", twoRates(io, "receive", "rx", "transmit", "tx", true)));
        }
    }

    private void processes(List<Row> rows) {
        List<Series> count = metric("system.processes.count");
        if (count.isEmpty()) {
            count = metric("system.process.count");
        }
        if (!count.isEmpty()) {
            double total = 0;
            for (Series series : count) {
                total += series.latest().value();
            }
            rows.add(new Row("processes", HumanFormat.number(total)));
        }
    }

    private void uptime(List<Row> rows) {
        List<Series> uptime = metric("system.uptime");
        if (!uptime.isEmpty()) {
            rows.add(new Row("uptime", HumanFormat.duration((long) uptime.get(0).latest().value())));
        }
    }

    private String twoRates(List<Series> io, String first, String firstLabel, String second, String secondLabel,
            boolean skipLoopback) {
        double[] rates = new double[2];
        boolean[] seen = new boolean[2];
        for (Series series : io) {
            String device = series.latest().attribute("device", "network.interface.name", "system.device");
            if (skipLoopback && "lo".equals(device)) {
                continue;
            }
            String direction = series.latest().attribute("direction", "disk.io.direction", "network.io.direction");
            int index = first.equals(direction) ? 0 : second.equals(direction) ? 1 : -1;
            OptionalDouble rate = series.rate();
            if (index >= 0 && rate.isPresent()) {
                rates[index] += rate.getAsDouble();
                seen[index] = true;
            }
        }
        if (!seen[0] && !seen[1]) {
            return NEEDS_SECOND_BATCH;
        }
        return firstLabel + " " + (seen[0] ? HumanFormat.rate(rates[0]) : "-") + "  "
                + secondLabel + " " + (seen[1] ? HumanFormat.rate(rates[1]) : "-");
    }

    static String usedOfTotal(double used, double total) {
        String text = HumanFormat.bytes(used) + " / " + HumanFormat.bytes(total);
        return total > 0 ? text + " (" + HumanFormat.percent(100 * used / total) + ")" : text;
    }

    private static double sumByState(List<Series> series, String state, String stateKey) {
        double sum = 0;
        for (Series s : series) {
            if (state.equals(s.latest().attribute("state", stateKey))) {
                sum += s.latest().value();
            }
        }
        return sum;
    }

    private static double sumExcept(List<Series> series, String stateKey) {
        double sum = 0;
        for (Series s : series) {
            String state = s.latest().attribute("state", stateKey);
            if (state == null || !NOT_PART_OF_TOTAL.contains(state)) {
                sum += s.latest().value();
            }
        }
        return sum;
    }

    private List<Series> metric(String name) {
        return byMetric.getOrDefault(name, List.of());
    }
}
