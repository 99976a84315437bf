package dev.outpost.agent.transport;

import java.util.List;

/**
 * Where the push loop sends batches: {@link OtlpPusher} over HTTPS in the agent; tests put a scripted gateway at
 * this network edge to drive the loop's bookkeeping without a server.
 */
public interface Pusher {

    /** Pushes {@code batches} in order; one outcome per batch, in the same order. */
    List<OtlpPusher.Outcome> push(List<OtlpPusher.Batch> batches);

    /** Drops the connection, so the next push makes a new one. */
    void disconnect();
}
