package dev.outpost.agent.config;

import dev.outpost.agent.collect.FilesystemFilter;
import dev.outpost.wire.config.Violations;
import java.util.List;

/**
 * The {@code collect.filesystems} section: which filesystems are reported, by type and by mount point. Entries
 * are exact names or globs, checked here by {@link FilesystemFilter}, which also owns the default exclusions.
 */
public record FilesystemsConfig(List<String> excludeTypes, List<String> includeTypes, List<String> excludeMountPoints,
        List<String> includeMountPoints) {

    /**
     * A {@code null} list takes its default ({@link FilesystemFilter#DEFAULT_EXCLUDE_TYPES} for the excluded
     * types, empty for the others).
     *
     * @throws dev.outpost.wire.config.InvalidConfigException naming each bad entry
     */
    public FilesystemsConfig {
        excludeTypes = excludeTypes == null ? FilesystemFilter.DEFAULT_EXCLUDE_TYPES : excludeTypes;
        includeTypes = includeTypes == null ? List.of() : includeTypes;
        excludeMountPoints = excludeMountPoints == null ? List.of() : excludeMountPoints;
        includeMountPoints = includeMountPoints == null ? List.of() : includeMountPoints;
        Violations v = new Violations();
        List<String> none = List.of();
        List<String> et = excludeTypes;
        List<String> it = includeTypes;
        List<String> em = excludeMountPoints;
        List<String> im = includeMountPoints;
        check(v, "exclude_types", () -> new FilesystemFilter(none, et, none, none));
        check(v, "include_types", () -> new FilesystemFilter(it, none, none, none));
        check(v, "exclude_mount_points", () -> new FilesystemFilter(none, none, none, em));
        check(v, "include_mount_points", () -> new FilesystemFilter(none, none, im, none));
        v.throwIfAny();
        excludeTypes = List.copyOf(excludeTypes);
        includeTypes = List.copyOf(includeTypes);
        excludeMountPoints = List.copyOf(excludeMountPoints);
        includeMountPoints = List.copyOf(includeMountPoints);
    }

    /** The default: kernel pseudo filesystems excluded, nothing else filtered. */
    public static FilesystemsConfig defaults() {
        return new FilesystemsConfig(null, null, null, null);
    }

    /** The filter the filesystem collector applies. */
    public FilesystemFilter toFilter() {
        return new FilesystemFilter(includeTypes, excludeTypes, includeMountPoints, excludeMountPoints);
    }

    /** Builds a filter from one list alone, so that its error is reported under its own key. */
    private static void check(Violations v, String key, Runnable build) {
        try {
            build.run();
        } catch (IllegalArgumentException e) {
            String message = e.getMessage();
            v.add(key, message.startsWith(key + ": ") ? message.substring(key.length() + 2) : message);
        }
    }
}
