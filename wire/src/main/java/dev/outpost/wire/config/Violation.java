package dev.outpost.wire.config;

/**
 * One invalid setting: the key path relative to the section that found it (e.g. {@code "timeout"}) and what is
 * wrong with its value and how to fix it (e.g. {@code "0s" is out of range; use a duration between 1s and 5m}).
 */
public record Violation(String key, String detail) {
    public Violation {
        if (key == null || detail == null) {
            throw new IllegalArgumentException("a violation needs a key and a detail, got " + key + ", " + detail);
        }
    }

    @Override
    public String toString() {
        return key.isEmpty() ? detail : key + ": " + detail;
    }
}
