package dev.outpost.gateway.ingest;

import dev.outpost.gateway.config.IngestLimitsConfig;
import dev.outpost.gateway.http.Responses;
import io.netty.channel.ChannelHandlerContext;
import io.netty.util.concurrent.FastThreadLocal;
import java.net.InetSocketAddress;
import java.time.Clock;
import java.time.Duration;
import java.util.Objects;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * What every ingest connection shares: the pipeline to the sink, maintenance mode, the deny list, the open
 * connections, rate limits, counters, bounds, and a log of refusals that writes at most one line a minute per
 * source address and kind of refusal.
 */
public final class IngestServices {
    private static final Logger LOG = LoggerFactory.getLogger("outpost.gateway.ingest");
    private final IngestPipeline pipeline;
    private final Maintenance maintenance;
    private final Responses responses;
    private final AgentGate gate;
    private final IngestConnections connections;
    private final RateLimiter rateLimiter;
    private final IngestStats stats;
    private final Clock clock;
    private final int maxDecodedBytes;
    private final LogLimiter logLimiter;
    private final Refusals refusals;
    private final FastThreadLocal<BatchScan> scans;

    public IngestServices(IngestPipeline pipeline, Maintenance maintenance, Responses responses, AgentGate gate,
            IngestConnections connections, RateLimiter rateLimiter, IngestStats stats, IngestLimitsConfig limits,
            int maxDecodedBytes, Clock clock) {
        this.pipeline = Objects.requireNonNull(pipeline, "pipeline");
        this.maintenance = Objects.requireNonNull(maintenance, "maintenance");
        this.responses = Objects.requireNonNull(responses, "responses");
        this.gate = Objects.requireNonNull(gate, "gate");
        this.connections = Objects.requireNonNull(connections, "connections");
        this.rateLimiter = Objects.requireNonNull(rateLimiter, "rateLimiter");
        this.stats = Objects.requireNonNull(stats, "stats");
        this.clock = Objects.requireNonNull(clock, "clock");
        if (maxDecodedBytes < 1) {
            throw new IllegalArgumentException("maxDecodedBytes " + maxDecodedBytes + " must be positive");
        }
        this.maxDecodedBytes = maxDecodedBytes;
        this.logLimiter = new LogLimiter(clock, Duration.ofMinutes(1), 10_000);
        this.refusals = new Refusals(logLimiter);
        Objects.requireNonNull(limits, "limits");
        this.scans = new FastThreadLocal<>() {
            @Override
            protected BatchScan initialValue() {
                return new BatchScan(limits);
            }
        };
    }

    IngestPipeline pipeline() {
        return pipeline;
    }

    Maintenance maintenance() {
        return maintenance;
    }

    Responses responses() {
        return responses;
    }

    AgentGate gate() {
        return gate;
    }

    IngestConnections connections() {
        return connections;
    }

    RateLimiter rateLimiter() {
        return rateLimiter;
    }

    public IngestStats stats() {
        return stats;
    }

    Clock clock() {
        return clock;
    }

    int maxDecodedBytes() {
        return maxDecodedBytes;
    }

    LogLimiter logLimiter() {
        return logLimiter;
    }

    Refusals refusals() {
        return refusals;
    }

    /** This I/O thread's scanner. */
    BatchScan scan() {
        return scans.get();
    }

    /** Logs why a request was refused, at most once a minute per source address and kind. */
    static final class Refusals {
        private final LogLimiter limiter;

        Refusals(LogLimiter limiter) {
            this.limiter = limiter;
        }

        void log(ChannelHandlerContext ctx, String why) {
            String source = ctx.channel().remoteAddress() instanceof InetSocketAddress a && a.getAddress() != null
                    ? a.getAddress().getHostAddress() : String.valueOf(ctx.channel().remoteAddress());
            int cut = why.indexOf(':');
            long suppressed = limiter.allow("refusal " + source + " " + (cut > 0 ? why.substring(0, cut) : why));
            if (suppressed >= 0) {
                LOG.warn("ingest: refused a request from {}: {}{}", source, why,
                        suppressed > 0 ? " (" + suppressed + " more such refusals from there in the last minute)" : "");
            }
        }
    }
}
