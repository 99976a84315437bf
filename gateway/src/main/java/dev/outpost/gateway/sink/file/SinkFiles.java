package dev.outpost.gateway.sink.file;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * The file sink's files and their sizes, per org: {@code DIR/<org>/metrics-<UTC yyyyMMdd'T'HHmmss'Z'>-<6 digits>
 * .ndjson[.gz]}; within an org the name sorts in the order written. Files of earlier versions directly under
 * {@code DIR} belong to the pseudo-org {@link #LEGACY} and are only ever deleted. Retention works from this index
 * instead of listing directories on every write.
 */
final class SinkFiles {
    static final String LEGACY = "";
    static final Pattern NAME = Pattern.compile("metrics-(\\d{8}T\\d{6}Z)-(\\d{6})\\.ndjson(\\.gz)?");
    /** An org directory name: what {@code AgentIdentity.ORG} allows. */
    static final Pattern ORG = Pattern.compile("[a-z0-9][a-z0-9._-]{0,62}");
    private static final DateTimeFormatter STAMP = DateTimeFormatter.ofPattern("yyyyMMdd'T'HHmmss'Z'")
            .withZone(ZoneOffset.UTC);

    /** One file: where it is, its org, its size as far as the sink knows, and when it was started. */
    static final class Entry {
        final String org;
        final Path path;
        long size;
        final Instant started;

        Entry(String org, Path path, long size, Instant started) {
            this.org = org;
            this.path = path;
            this.size = size;
            this.started = started;
        }
    }

    private final Path dir;
    private final Map<String, Deque<Entry>> byOrg = new TreeMap<>();
    private final Map<String, Long> orgTotals = new TreeMap<>();
    private long total;
    private int count;

    SinkFiles(Path dir) throws IOException {
        this.dir = Files.createDirectories(dir);
        scan(LEGACY, dir);
        try (Stream<Path> s = Files.list(dir)) {
            for (Path p : s.sorted().toList()) {
                String name = p.getFileName().toString();
                if (Files.isDirectory(p) && ORG.matcher(name).matches()) {
                    scan(name, p);
                }
            }
        }
    }

    private void scan(String org, Path orgDir) throws IOException {
        List<Path> files = new ArrayList<>();
        try (Stream<Path> s = Files.list(orgDir)) {
            s.filter(p -> NAME.matcher(p.getFileName().toString()).matches() && Files.isRegularFile(p))
                    .sorted().forEach(files::add);
        }
        for (Path p : files) {
            add(new Entry(org, p, Files.size(p), Files.getLastModifiedTime(p).toInstant()));
        }
    }

    Path dir() {
        return dir;
    }

    /** The file name for a new file of {@code org} started at {@code now}, after its newest one. */
    Path next(String org, Instant now, boolean gzip) throws IOException {
        Path orgDir = Files.createDirectories(dir.resolve(org));
        Entry last = newest(org);
        int seq = 1;
        if (last != null) {
            Matcher m = NAME.matcher(last.path.getFileName().toString());
            seq = m.matches() ? Integer.parseInt(m.group(2)) % 999_999 + 1 : 1;
        }
        return orgDir.resolve("metrics-" + STAMP.format(now) + "-" + String.format("%06d", seq) + ".ndjson"
                + (gzip ? ".gz" : ""));
    }

    void add(Entry e) {
        byOrg.computeIfAbsent(e.org, k -> new ArrayDeque<>()).addLast(e);
        orgTotals.merge(e.org, e.size, Long::sum);
        total += e.size;
        count++;
    }

    /** Records that {@code e} grew to {@code size} (or shrank, after an undo). */
    void resize(Entry e, long size) {
        total += size - e.size;
        orgTotals.merge(e.org, size - e.size, Long::sum);
        e.size = size;
    }

    Entry newest(String org) {
        Deque<Entry> d = byOrg.get(org);
        return d == null || d.isEmpty() ? null : d.peekLast();
    }

    /** The entry for a file the index knows, or null. */
    Entry find(Path path) {
        for (Deque<Entry> d : byOrg.values()) {
            for (Entry e : d) {
                if (e.path.equals(path)) {
                    return e;
                }
            }
        }
        return null;
    }

    long total() {
        return total;
    }

    long orgBytes(String org) {
        return orgTotals.getOrDefault(org, 0L);
    }

    int count() {
        return count;
    }

    /** The org holding the most bytes, or null if there are no files. */
    String largest() {
        String best = null;
        long most = -1;
        for (Map.Entry<String, Long> e : orgTotals.entrySet()) {
            if (e.getValue() > most) {
                best = e.getKey();
                most = e.getValue();
            }
        }
        return best;
    }

    /** The orgs with files, legacy included. */
    List<String> orgs() {
        return List.copyOf(byOrg.keySet());
    }

    /** The oldest file of {@code org}, or null. */
    Entry oldest(String org) {
        Deque<Entry> d = byOrg.get(org);
        return d == null || d.isEmpty() ? null : d.peekFirst();
    }

    /** Deletes the file and forgets it. */
    void delete(Entry e) throws IOException {
        Files.deleteIfExists(e.path);
        Deque<Entry> d = byOrg.get(e.org);
        if (d != null && d.remove(e)) {
            total -= e.size;
            count--;
            orgTotals.merge(e.org, -e.size, Long::sum);
            if (d.isEmpty()) {
                byOrg.remove(e.org);
                orgTotals.remove(e.org);
            }
        }
    }
}
