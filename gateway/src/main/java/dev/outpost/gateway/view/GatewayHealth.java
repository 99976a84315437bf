package dev.outpost.gateway.view;

import java.util.Map;

/**
 * The gateway's own health as the live feed carries it (its first line) and the live view shows it: the sink,
 * what came in and was stored, duplicates, 503s (sink unavailable, queue full), 429s by org, refusals by status,
 * refused data points and sink failures by reason, delivery times, the queue and open connections. Counters are
 * totals since the gateway started; the view turns two frames into rates.
 */
public record GatewayHealth(long timeMillis, String sink, long batchesIn, long batchesStored, long pointsStored,
        long duplicates, long unavailable, long overloaded, long queued, long groups, double deliveryLastMs,
        double deliveryMeanMs, double deliveryMaxMs, long connections, Map<String, Long> sinkFailures,
        Map<String, Long> refusedPoints, Map<String, Long> refusedRequests, Map<String, Long> limitedByOrg) {
    public GatewayHealth {
        sinkFailures = Map.copyOf(sinkFailures);
        refusedPoints = Map.copyOf(refusedPoints);
        refusedRequests = Map.copyOf(refusedRequests);
        limitedByOrg = Map.copyOf(limitedByOrg);
    }
}
