package dev.outpost.gateway.view;

import java.time.Instant;
import java.util.Collection;
import java.util.Collections;
import java.util.HashMap;
import java.util.Map;
import java.util.SortedMap;

/**
 * Everything the view knows about one agent: its identity as the gateway stamped it, when it was
 * last heard from, how many points it sent, and the latest values of a bounded number of series.
 */
final class AgentState {

    /** A series identity: metric name plus its attributes. */
    record Key(String metric, SortedMap<String, String> attributes) {
    }

    private final String agent;
    private final int maxSeries;
    private final Map<Key, Series> series = new HashMap<>();
    private String org;
    private String host;
    private Instant lastSeen;
    private long points;
    private long droppedSeries;

    AgentState(String agent, int maxSeries) {
        if (agent == null || agent.isEmpty()) {
            throw new IllegalArgumentException("agent id must not be empty, got " + agent);
        }
        if (maxSeries < 1) {
            throw new IllegalArgumentException("maxSeries must be >= 1, got " + maxSeries);
        }
        this.agent = agent;
        this.maxSeries = maxSeries;
    }

    void accept(SinkPoint point) {
        points++;
        if (lastSeen == null || !point.time().isBefore(lastSeen)) {
            lastSeen = point.time();
            org = point.org();
            host = point.host();
        }
        if (Double.isNaN(point.value())) {
            return;
        }
        Key key = new Key(point.metric(), point.attributes());
        Series existing = series.get(key);
        if (existing != null) {
            existing.update(point);
        } else if (series.size() < maxSeries) {
            series.put(key, new Series(point));
        } else {
            droppedSeries++;
        }
    }

    String agent() {
        return agent;
    }

    String org() {
        return org;
    }

    String host() {
        return host;
    }

    Instant lastSeen() {
        return lastSeen;
    }

    long points() {
        return points;
    }

    /** Points of series not tracked because the agent already had {@code maxSeries} series. */
    long droppedSeries() {
        return droppedSeries;
    }

    Collection<Series> series() {
        return Collections.unmodifiableCollection(series.values());
    }
}
