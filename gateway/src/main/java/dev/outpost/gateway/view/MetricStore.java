package dev.outpost.gateway.view;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * The latest value per (agent, metric, attributes) over every point read so far, bounded in
 * agents and in series per agent so that a view left open on a large fleet stays small.
 */
final class MetricStore {

    private final int maxAgents;
    private final int maxSeriesPerAgent;
    private final Map<String, AgentState> agents = new HashMap<>();
    private long droppedPoints;

    MetricStore(int maxAgents, int maxSeriesPerAgent) {
        if (maxAgents < 1) {
            throw new IllegalArgumentException("maxAgents must be >= 1, got " + maxAgents);
        }
        if (maxSeriesPerAgent < 1) {
            throw new IllegalArgumentException("maxSeriesPerAgent must be >= 1, got " + maxSeriesPerAgent);
        }
        this.maxAgents = maxAgents;
        this.maxSeriesPerAgent = maxSeriesPerAgent;
    }

    void accept(SinkPoint point) {
        AgentState state = agents.get(point.agent());
        if (state == null) {
            if (agents.size() >= maxAgents) {
                droppedPoints++;
                return;
            }
            state = new AgentState(point.agent(), maxSeriesPerAgent);
            agents.put(point.agent(), state);
        }
        state.accept(point);
    }

    /** Agents ordered by host name, then agent id. */
    List<AgentState> agents() {
        List<AgentState> list = new ArrayList<>(agents.values());
        list.sort(Comparator.comparing(AgentState::host).thenComparing(AgentState::agent));
        return list;
    }

    /** Points not kept: from agents beyond the agent bound, or series beyond the series bound. */
    long droppedPoints() {
        long total = droppedPoints;
        for (AgentState state : agents.values()) {
            total += state.droppedSeries();
        }
        return total;
    }

    int maxAgents() {
        return maxAgents;
    }
}
