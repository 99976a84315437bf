package dev.outpost.agent.transport;

/** What became of one push attempt, and so what to do with the batch. */
public enum PushResult {
    /** Stored by the gateway: forget the batch. */
    ACCEPTED,
    /** The gateway will never take this batch (400, 413): drop it, count it, log the reason. */
    REJECTED,
    /** Try again later (network, timeout, 429, 5xx): keep it, back off. */
    RETRY,
    /** Our identity was refused (401, 403): stop pushing, keep the data. */
    DENIED
}
