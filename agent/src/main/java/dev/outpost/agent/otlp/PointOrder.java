package dev.outpost.agent.otlp;

import dev.outpost.agent.metrics.Histogram;
import dev.outpost.agent.metrics.Points;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;

/**
 * The order data points go on the wire: by their attribute values, key by key in the definition's order, so that
 * the same reading always gives the same bytes whatever order a source listed things in.
 */
final class PointOrder {
    private PointOrder() {
    }

    /** The indexes of {@code points}' data points, sorted by attribute values. */
    static int[] sorted(Points points) {
        int width = points.def().attributes().size();
        Integer[] order = new Integer[points.size()];
        for (int i = 0; i < order.length; i++) {
            order[i] = i;
        }
        if (width > 0) {
            java.util.Arrays.sort(order, (a, b) -> {
                for (int k = 0; k < width; k++) {
                    int c = points.attribute(a, k).compareTo(points.attribute(b, k));
                    if (c != 0) {
                        return c;
                    }
                }
                return 0;
            });
        }
        int[] result = new int[order.length];
        for (int i = 0; i < order.length; i++) {
            result[i] = order[i];
        }
        return result;
    }

    /** Histogram series sorted by attribute values. */
    static List<Histogram> sorted(List<Histogram> series) {
        List<Histogram> copy = new ArrayList<>(series);
        copy.sort(Comparator.comparing(h -> String.join("\u0000", h.attributeValues())));
        return copy;
    }
}
