package dev.outpost.agent.collect;

/**
 * One source of host metrics (CPU, memory, disks, ...) that brings its meters up to date when asked. A collector
 * throws when it fails, or {@link NoDataException} when its source simply has nothing to report on this host.
 */
public interface Collector {

    /** Short stable name used in self-metrics and logs, e.g. "cpu". */
    String name();

    /** Reads the source once and updates (registers, removes) this collector's meters. */
    void collect();
}
