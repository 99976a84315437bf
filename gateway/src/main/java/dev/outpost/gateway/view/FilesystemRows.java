package dev.outpost.gateway.view;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * The filesystem rows of a host's table: used / size (percent) per mount point from
 * {@code system.filesystem.usage}, fullest first, showing only the first few.
 */
final class FilesystemRows {

    static final int SHOWN = 4;

    private record Usage(String mount, double used, double total) {
        double percent() {
            return total > 0 ? 100 * used / total : 0;
        }
    }

    private final List<Series> usage;

    FilesystemRows(List<Series> usage) {
        if (usage == null) {
            throw new IllegalArgumentException("usage must not be null");
        }
        this.usage = usage;
    }

    List<Row> rows() {
        Map<String, double[]> byMount = new TreeMap<>();
        for (Series series : usage) {
            SinkPoint point = series.latest();
            String mount = point.attribute("mountpoint", "system.filesystem.mountpoint", "device", "system.device");
            double[] usedTotal = byMount.computeIfAbsent(mount == null ? "?" : mount, m -> new double[2]);
            usedTotal[1] += point.value();
            if ("used".equals(point.attribute("state", "system.filesystem.state"))) {
                usedTotal[0] += point.value();
            }
        }
        List<Usage> list = new ArrayList<>();
        byMount.forEach((mount, usedTotal) -> list.add(new Usage(mount, usedTotal[0], usedTotal[1])));
        list.sort(Comparator.comparingDouble(Usage::percent).reversed().thenComparing(Usage::mount));
        int shown = Math.min(SHOWN, list.size());
        int width = 0;
        for (int i = 0; i < shown; i++) {
            width = Math.max(width, list.get(i).mount().length());
        }
        List<Row> rows = new ArrayList<>();
        for (int i = 0; i < shown; i++) {
            Usage u = list.get(i);
            String mount = HumanFormat.pad(u.mount(), width);
            rows.add(new Row(i == 0 ? "filesystems" : "", mount + "  " + HostRows.usedOfTotal(u.used(), u.total())));
        }
        if (list.size() > shown) {
            rows.add(new Row("", "(+" + (list.size() - shown) + " more)"));
        }
        return rows;
    }
}
