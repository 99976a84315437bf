package dev.outpost.gateway.ingest;

import io.netty.channel.Channel;
import java.time.Clock;
import java.time.Instant;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.ConcurrentHashMap;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The open ingest connections with the agent and certificate expiry of each. {@link #sweep()}, run every second
 * by the gateway, closes those of agents that were revoked or locked and those whose client certificate has
 * expired, so no connection outlives its certificate or its agent's revocation. Also caps the connections one agent
 * holds at once, so a stolen key cannot take the listener's connections for itself. Bounded by the open
 * connections: a connection leaves when it closes.
 */
public final class IngestConnections {
    private static final Logger LOG = LoggerFactory.getLogger("outpost.gateway.ingest");

    private record Peer(String agentId, Instant notAfter) {
    }

    private final Map<Channel, Peer> open = new ConcurrentHashMap<>();
    private final Map<String, java.util.concurrent.atomic.AtomicInteger> perAgent = new ConcurrentHashMap<>();
    private final AgentGate gate;
    private final Clock clock;
    private final int maxPerAgent;

    public IngestConnections(AgentGate gate, Clock clock) {
        this(gate, clock, Integer.MAX_VALUE);
    }

    /** @param maxPerAgent connections one agent may hold at once */
    public IngestConnections(AgentGate gate, Clock clock, int maxPerAgent) {
        this.gate = Objects.requireNonNull(gate, "gate");
        this.clock = Objects.requireNonNull(clock, "clock");
        if (maxPerAgent < 1) {
            throw new IllegalArgumentException("maxPerAgent " + maxPerAgent + " must be at least 1");
        }
        this.maxPerAgent = maxPerAgent;
    }

    /**
     * Follows {@code channel} until it closes; false (and not followed) if its agent already holds as many
     * connections as it may.
     */
    public boolean track(Channel channel, String agentId, Instant notAfter) {
        var count = perAgent.computeIfAbsent(Objects.requireNonNull(agentId, "agentId"),
                k -> new java.util.concurrent.atomic.AtomicInteger());
        if (count.incrementAndGet() > maxPerAgent) {
            release(agentId, count);
            return false;
        }
        open.put(channel, new Peer(agentId, Objects.requireNonNull(notAfter, "notAfter")));
        channel.closeFuture().addListener(f -> {
            if (open.remove(channel) != null) {
                release(agentId, count);
            }
        });
        return true;
    }

    private void release(String agentId, java.util.concurrent.atomic.AtomicInteger count) {
        if (count.decrementAndGet() <= 0) {
            perAgent.remove(agentId, count);
        }
    }

    public int size() {
        return open.size();
    }

    /** Closes the connections that must not stay open; returns how many. Never throws. */
    public int sweep() {
        int closed = 0;
        try {
            Instant now = clock.instant();
            for (Map.Entry<Channel, Peer> e : open.entrySet()) {
                Peer p = e.getValue();
                var refusal = gate.refusal(p.agentId());
                String why = refusal.isPresent() ? "agent " + p.agentId() + " is " + refusal.get()
                        : !now.isBefore(p.notAfter()) ? "the client certificate of " + p.agentId() + " expired at "
                                + p.notAfter() : null;
                if (why != null) {
                    LOG.info("ingest: closing connection {}: {}", e.getKey().remoteAddress(), why);
                    e.getKey().close();
                    closed++;
                }
            }
        } catch (RuntimeException e) {
            LOG.error("ingest: sweeping open connections failed", e);
        }
        return closed;
    }
}
