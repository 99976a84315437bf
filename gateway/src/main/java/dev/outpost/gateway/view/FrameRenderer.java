package dev.outpost.gateway.view;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.List;

/**
 * Lays out one frame of the live view as plain text: a status line, the gateway's own health (what came in and was
 * stored per second, its sink's delivery times and failures, what was answered 503, 429 or refused), then one
 * block per agent with a header (host, org, agent id, last seen, points received) and its rows.
 */
final class FrameRenderer {

    /**
     * What the frame says about the reading itself and the gateway, as opposed to the hosts: {@code problem} is
     * why the feed could not be read or is stale (null if fine), {@code previous} the health of the frame before.
     */
    record Status(long pointsRead, long linesSkipped, long pointsDropped, String problem, GatewayHealth health,
            GatewayHealth previous) {
    }

    private static final DateTimeFormatter TIME =
            DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm:ss 'UTC'").withZone(ZoneOffset.UTC);
    private static final int LABEL_WIDTH = 12;

    private final Clock clock;

    FrameRenderer(Clock clock) {
        if (clock == null) {
            throw new IllegalArgumentException("clock must not be null");
        }
        this.clock = clock;
    }

    String render(Status status, List<AgentState> agents) {
        Instant now = clock.instant();
        StringBuilder out = new StringBuilder();
        out.append("outpost-gateway watch  ").append(TIME.format(now))
                .append("  agents ").append(agents.size())
                .append("  points ").append(status.pointsRead())
                .append("  skipped lines ").append(status.linesSkipped());
        out.append('\n');
        if (status.problem() != null) {
            out.append(status.problem()).append('\n');
        }
        if (status.health() != null) {
            gateway(out, status.health(), status.previous());
        }
        if (status.pointsDropped() > 0) {
            out.append(status.pointsDropped())
                    .append(" points not shown: too many agents or series for one view\n");
        }
        if (agents.isEmpty()) {
            out.append('\n').append("no metrics yet; waiting for agents to push (hosts appear within one interval "
                    + "of their next batch)\n");
            return out.toString();
        }
        for (AgentState agent : agents) {
            out.append('\n');
            header(out, agent, now);
            for (Row row : new HostRows(agent).rows()) {
                String line = "  " + HumanFormat.pad(row.label(), LABEL_WIDTH) + " " + row.text();
                out.append(line.stripTrailing()).append('\n');
            }
        }
        return out.toString();
    }

    private static void gateway(StringBuilder out, GatewayHealth h, GatewayHealth before) {
        double seconds = before == null ? 0 : (h.timeMillis() - before.timeMillis()) / 1000.0;
        out.append("gateway  sink ").append(h.sink()).append("  connections ").append(h.connections())
                .append("  queued ").append(h.queued()).append('\n');
        row(out, "batches", "in " + rate(h.batchesIn(), before == null ? 0 : before.batchesIn(), seconds)
                + "  stored " + rate(h.batchesStored(), before == null ? 0 : before.batchesStored(), seconds)
                + "  points stored " + rate(h.pointsStored(), before == null ? 0 : before.pointsStored(), seconds)
                + "  duplicates " + h.duplicates());
        row(out, "answered", "503 sink unavailable " + h.unavailable() + "  503 queue full " + h.overloaded()
                + "  429 " + total(h.limitedByOrg()) + counts(" by org: ", h.limitedByOrg())
                + counts("  refused: ", h.refusedRequests()));
        row(out, "sink", String.format(java.util.Locale.ROOT, "deliveries %d  last %.0f ms  mean %.0f ms  max %.0f ms",
                h.groups(), h.deliveryLastMs(), h.deliveryMeanMs(), h.deliveryMaxMs())
                + counts("  failures: ", h.sinkFailures()) + counts("  points refused: ", h.refusedPoints()));
    }

    private static void row(StringBuilder out, String label, String text) {
        out.append(("  " + HumanFormat.pad(label, LABEL_WIDTH) + " " + text).stripTrailing()).append('\n');
    }

    private static String rate(long now, long before, double seconds) {
        return seconds <= 0 ? Long.toString(now) + " total"
                : String.format(java.util.Locale.ROOT, "%.1f/s", Math.max(0, now - before) / seconds);
    }

    private static long total(java.util.Map<String, Long> counts) {
        return counts.values().stream().mapToLong(Long::longValue).sum();
    }

    private static String counts(String prefix, java.util.Map<String, Long> counts) {
        if (counts.isEmpty()) {
            return "";
        }
        StringBuilder b = new StringBuilder(prefix);
        new java.util.TreeMap<>(counts).forEach((k, v) -> b.append(k).append(' ').append(v).append(", "));
        return b.substring(0, b.length() - 2);
    }

    private static void header(StringBuilder out, AgentState agent, Instant now) {
        long ago = Duration.between(agent.lastSeen(), now).getSeconds();
        out.append(agent.host().isEmpty() ? "(no host.name)" : agent.host())
                .append("  org ").append(agent.org())
                .append("  agent ").append(agent.agent())
                .append("  last seen ").append(HumanFormat.duration(ago)).append(" ago")
                .append("  points ").append(agent.points())
                .append('\n');
    }
}
