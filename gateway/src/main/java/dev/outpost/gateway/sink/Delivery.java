package dev.outpost.gateway.sink;

import java.util.Arrays;
import java.util.Objects;

/**
 * What a sink did with a group it delivered: for each batch (by index in the group), how many of its data points
 * the store refused for good and why (a 4xx: out of order, out of bounds, a bad sample). A refused point is
 * counted and logged, never retried, so that one bad sample cannot wedge an agent; the rest of its batch landed.
 */
public final class Delivery {
    private final int[] refusedPoints;
    private final String[] reasons;

    private Delivery(int size) {
        this.refusedPoints = new int[size];
        this.reasons = new String[size];
    }

    /** Every batch of a group of {@code size} stored whole. */
    public static Delivery allStored(int size) {
        return new Delivery(size);
    }

    /** A delivery to fill in with {@link #refuse}. */
    public static Delivery of(int size) {
        return new Delivery(size);
    }

    /** Counts {@code points} of batch {@code index} as refused for {@code reason}; the first reason is kept. */
    public void refuse(int index, int points, String reason) {
        Objects.requireNonNull(reason, "reason");
        refusedPoints[index] += points;
        if (reasons[index] == null) {
            reasons[index] = reason;
        }
    }

    public int size() {
        return refusedPoints.length;
    }

    public int refusedPoints(int index) {
        return refusedPoints[index];
    }

    /** Why points of batch {@code index} were refused, or null if none were. */
    public String reason(int index) {
        return reasons[index];
    }

    public long totalRefused() {
        return Arrays.stream(refusedPoints).asLongStream().sum();
    }
}
