package dev.outpost.gateway.view;

import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.List;

/**
 * Lays out one frame of the live view as plain text: a status line for the whole sink, then one
 * block per agent with a header (host, org, agent id, last seen, points received) and its rows.
 */
final class FrameRenderer {

    /** What the frame says about the reading itself, as opposed to the hosts. */
    record Status(Path metricsDir, Path currentFile, long pointsRead, long linesSkipped, long pointsDropped,
            String readError) {
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
        if (status.currentFile() != null) {
            out.append("reading ").append(status.currentFile().getFileName()).append('\n');
        }
        if (status.readError() != null) {
            out.append("read error: ").append(status.readError()).append('\n');
        }
        if (status.pointsDropped() > 0) {
            out.append(status.pointsDropped())
                    .append(" points not shown: too many agents or series for one view\n");
        }
        if (agents.isEmpty()) {
            out.append('\n').append("no metrics yet in ").append(status.metricsDir())
                    .append("; waiting for agents to push (the file sink writes metrics-*.ndjson there)\n");
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
