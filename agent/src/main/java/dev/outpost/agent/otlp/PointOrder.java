package dev.outpost.agent.otlp;

import dev.outpost.agent.metrics.Histogram;
import dev.outpost.agent.metrics.Points;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;

/**
 * The order data points go on the wire: by their attribute values, key by key in the definition's order, so that
 * the same reading always gives the same bytes whatever order a source listed things in. Points with equal values
 * keep the order they were added in.
 */
final class PointOrder {
    private PointOrder() {
    }

    /**
     * The indexes of {@code points}' data points, sorted by attribute values (stable). A binary insertion sort on the
     * int indexes, as the JDK's sort does for short runs, without boxing each index and calling a comparator lambda
     * per comparison: this runs once per metric per cycle, mostly in the interpreter, and the points usually come
     * in the same order every cycle, often already sorted (then one comparison per point).
     */
    static int[] sorted(Points points) {
        int width = points.def().attributes().size();
        int n = points.size();
        int[] order = new int[n];
        for (int i = 0; i < n; i++) {
            order[i] = i;
        }
        if (width == 0) {
            return order;
        }
        for (int i = 1; i < n; i++) {
            int pivot = order[i];
            if (compare(points, width, order[i - 1], pivot) <= 0) {
                continue; // in place already
            }
            int lo = 0;
            int hi = i - 1; // order[hi] > pivot: the pivot goes at or before hi
            while (lo < hi) {
                int mid = (lo + hi) >>> 1;
                if (compare(points, width, pivot, order[mid]) < 0) {
                    hi = mid;
                } else {
                    lo = mid + 1; // after equal ones: stable
                }
            }
            System.arraycopy(order, lo, order, lo + 1, i - lo);
            order[lo] = pivot;
        }
        return order;
    }

    private static int compare(Points points, int width, int a, int b) {
        for (int k = 0; k < width; k++) {
            int c = points.attribute(a, k).compareTo(points.attribute(b, k));
            if (c != 0) {
                return c;
            }
        }
        return 0;
    }

    /** Histogram series sorted by attribute values. */
    static List<Histogram> sorted(List<Histogram> series) {
        List<Histogram> copy = new ArrayList<>(series);
        copy.sort(Comparator.comparing(h -> String.join("\u0000", h.attributeValues())));
        return copy;
    }

    /**
     * One histogram's series in wire order, sorted again only when the series change: they are registered at start
     * and stay, so sorting them (a joined string per comparison) every cycle would redo the same work.
     */
    static final class SortedSeries {
        private List<Histogram> source = List.of();
        private List<Histogram> sorted = List.of();

        List<Histogram> of(List<Histogram> series) {
            boolean same = series.size() == source.size();
            for (int i = 0; same && i < series.size(); i++) {
                same = series.get(i) == source.get(i);
            }
            if (!same) {
                source = List.copyOf(series);
                sorted = List.copyOf(sorted(series));
            }
            return sorted;
        }
    }
}
