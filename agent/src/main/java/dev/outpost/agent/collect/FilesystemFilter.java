package dev.outpost.agent.collect;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.function.Function;
import java.util.regex.Pattern;

/**
 * Decides which mounted filesystems are reported: by type and by mount point, each with an include list (empty
 * means all) and an exclude list that wins over it. Entries are exact names or globs where {@code *} matches any
 * run of characters, "/" included. The defaults leave out kernel pseudo filesystems, which have no capacity worth
 * watching and can be slow or hang to query.
 */
public final class FilesystemFilter {
    /** Filesystem types excluded unless the configuration says otherwise (agent.yaml's default). */
    public static final List<String> DEFAULT_EXCLUDE_TYPES = List.of("autofs", "binfmt_misc", "bpf", "cgroup",
            "cgroup2", "configfs", "debugfs", "devpts", "devtmpfs", "efivarfs", "fusectl", "hugetlbfs", "mqueue",
            "nsfs", "overlay", "proc", "procfs", "pstore", "rpc_pipefs", "securityfs", "selinuxfs", "squashfs",
            "sysfs", "tmpfs", "tracefs", "ramfs", "nfsd", "fuse.lxcfs", "fuse.portal");

    private static final Pattern TYPE_PATTERN = Pattern.compile("[A-Za-z0-9_.+*-]+");

    private final Entries includeTypes;
    private final Entries excludeTypes;
    private final Entries includeMountPoints;
    private final Entries excludeMountPoints;

    /**
     * @throws IllegalArgumentException naming the list ({@code exclude_types}, ...) and the bad entry
     */
    public FilesystemFilter(List<String> includeTypes, List<String> excludeTypes, List<String> includeMountPoints,
            List<String> excludeMountPoints) {
        this.includeTypes = types("include_types", includeTypes);
        this.excludeTypes = types("exclude_types", excludeTypes);
        this.includeMountPoints = mountPoints("include_mount_points", includeMountPoints);
        this.excludeMountPoints = mountPoints("exclude_mount_points", excludeMountPoints);
    }

    /** The default filter: every type in {@link #DEFAULT_EXCLUDE_TYPES} excluded, nothing else. */
    public static FilesystemFilter defaults() {
        return new FilesystemFilter(List.of(), DEFAULT_EXCLUDE_TYPES, List.of(), List.of());
    }

    /** Whether a filesystem of {@code type} mounted at {@code mountPoint} is reported. */
    public boolean accepts(String type, String mountPoint) {
        return (includeTypes.isEmpty() || matchesAny(includeTypes, type))
                && !matchesAny(excludeTypes, type)
                && (includeMountPoints.isEmpty() || matchesAny(includeMountPoints, mountPoint))
                && !matchesAny(excludeMountPoints, mountPoint);
    }

    private static boolean matchesAny(Entries entries, String value) {
        if (entries.exact.contains(value)) {
            return true;
        }
        for (Pattern pattern : entries.globs) {
            if (pattern.matcher(value).matches()) {
                return true;
            }
        }
        return false;
    }

    /**
     * One list: its entries without a {@code *} matched as a set of exact names (a hash lookup, where each regular
     * expression match costs tens of microseconds in code run once per cycle), its globs as patterns.
     */
    private record Entries(Set<String> exact, List<Pattern> globs) {
        boolean isEmpty() {
            return exact.isEmpty() && globs.isEmpty();
        }
    }

    private static Entries types(String key, List<String> entries) {
        return compile(key, entries, entry -> TYPE_PATTERN.matcher(entry).matches() ? null
                : "is not a filesystem type; use names like \"ext4\" or globs like \"fuse.*\"");
    }

    private static Entries mountPoints(String key, List<String> entries) {
        return compile(key, entries, entry -> entry.startsWith("/") || entry.startsWith("*") ? null
                : "is not an absolute path; use a path like \"/var/lib/docker\" or a glob like \"/var/lib/docker/*\"");
    }

    private static Entries compile(String key, List<String> entries,
            Function<String, String> problem) {
        if (entries == null) {
            throw new IllegalArgumentException(key + " must be a list (use [] for none), not null");
        }
        Set<String> exact = new HashSet<>();
        List<Pattern> globs = new ArrayList<>();
        for (String entry : entries) {
            Pattern glob = checked(key, entry, problem);
            if (entry.indexOf('*') < 0) {
                exact.add(entry);
            } else {
                globs.add(glob);
            }
        }
        return new Entries(Set.copyOf(exact), List.copyOf(globs));
    }

    private static boolean hasControl(String entry) {
        for (int i = 0; i < entry.length(); i++) {
            if (Character.isISOControl(entry.charAt(i))) {
                return true;
            }
        }
        return false;
    }

    private static Pattern checked(String key, String entry, Function<String, String> problem) {
        if (entry == null || entry.isBlank()) {
            throw new IllegalArgumentException(key + ": empty entry; remove it or name a value");
        }
        String why = problem.apply(entry);
        if (why != null || hasControl(entry)) {
            throw new IllegalArgumentException(key + ": \"" + entry + "\" "
                    + (why != null ? why : "contains a control character"));
        }
        return glob(entry);
    }

    private static Pattern glob(String entry) {
        StringBuilder regex = new StringBuilder();
        String[] literals = entry.split("\\*", -1);
        for (int i = 0; i < literals.length; i++) {
            if (i > 0) {
                regex.append(".*");
            }
            if (!literals[i].isEmpty()) {
                regex.append(Pattern.quote(literals[i]));
            }
        }
        return Pattern.compile(regex.toString(), Pattern.DOTALL);
    }
}
