package dev.outpost.agent.config;

/** The {@code collect} section: what the collectors report (so far, which filesystems). */
public record CollectConfig(FilesystemsConfig filesystems) {
    public CollectConfig {
        filesystems = filesystems == null ? FilesystemsConfig.defaults() : filesystems;
    }

    public static CollectConfig defaults() {
        return new CollectConfig(null);
    }
}
