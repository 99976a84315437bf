package dev.outpost.gateway.sink.prometheus;

import java.util.ArrayList;
import java.util.List;

/**
 * Encoded remote write TimeSeries of one sample each, in the order they must reach the store, each remembering
 * which batch of the group and which data point it came from, so that refused samples can be counted as refused
 * data points of their batches. A request is a run of them; a refused request is split in halves.
 */
final class Units {
    final List<byte[]> series = new ArrayList<>();
    private int[] batch = new int[64];
    private int[] point = new int[64];

    void add(byte[] encoded, int batchIndex, int pointRef) {
        int i = series.size();
        if (i == batch.length) {
            batch = java.util.Arrays.copyOf(batch, i * 2);
            point = java.util.Arrays.copyOf(point, i * 2);
        }
        series.add(encoded);
        batch[i] = batchIndex;
        point[i] = pointRef;
    }

    /** Drops the series from {@code size} on (those of a data point that went over its batch's budget). */
    void truncate(int size) {
        series.subList(size, series.size()).clear();
    }

    int size() {
        return series.size();
    }

    int batch(int i) {
        return batch[i];
    }

    int point(int i) {
        return point[i];
    }
}
