package dev.outpost.wire.config;

import dev.outpost.wire.Durations;
import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Locale;

/**
 * Collects what is wrong with one config section, so that its constructor reports every bad value at once
 * instead of the first. Each check names the key, the bad value and the accepted range with an example.
 */
public final class Violations {
    private static final long[] BYTE_UNITS = {1L << 30, 1L << 20, 1L << 10};
    private static final String[] BYTE_UNIT_NAMES = {"GiB", "MiB", "KiB"};
    private final List<Violation> found = new ArrayList<>();

    /** Records a violation of {@code key} (relative to the section) with a detail saying what to do. */
    public void add(String key, String detail) {
        found.add(new Violation(key, detail));
    }

    /** Requires {@code min <= value <= max}. */
    public void durationBetween(String key, Duration value, Duration min, Duration max, Duration example) {
        if (value.compareTo(min) < 0 || value.compareTo(max) > 0) {
            add(key, "\"" + Durations.format(value) + "\" is out of range; use a duration between "
                    + Durations.format(min) + " and " + Durations.format(max) + ", e.g. \""
                    + Durations.format(example) + "\"");
        }
    }

    /** Requires {@code min <= value <= max} for a count. */
    public void between(String key, long value, long min, long max, long example) {
        if (value < min || value > max) {
            add(key, value + " is out of range; use a whole number between " + min + " and " + max
                    + ", e.g. " + example);
        }
    }

    /** Requires {@code min <= value <= max} for a size in bytes; the message also gives sizes in KiB, MiB, GiB. */
    public void bytesBetween(String key, long value, long min, long max, long example) {
        if (value < min || value > max) {
            add(key, value + " is out of range; use a number of bytes between " + bytes(min) + " and "
                    + bytes(max) + ", e.g. " + bytes(example));
        }
    }

    /** Requires an https URL with a host and without user info, query or fragment; {@code null} is missing. */
    public void httpsUrl(String key, URI value, String example) {
        String fix = "; use e.g. \"" + example + "\"";
        if (value == null) {
            add(key, "missing; set it to the gateway's URL, e.g. \"" + example + "\"");
            return;
        }
        String shown = "\"" + redactUrl(value.toString()) + "\"";
        if (value.getScheme() == null || !value.getScheme().toLowerCase(Locale.ROOT).equals("https")) {
            add(key, shown + " is not an https URL" + fix);
        } else if (value.getRawUserInfo() != null) {
            add(key, shown + " must not contain a user name or password; remove the part before \"@\"");
        } else if (value.getHost() == null) {
            add(key, shown + " has no valid host name" + fix);
        } else if (value.getPort() == 0 || value.getPort() > 65_535) {
            add(key, shown + " has port " + value.getPort() + ", out of range 1..65535" + fix);
        } else if (value.getRawQuery() != null || value.getRawFragment() != null) {
            add(key, shown + " must not have a query (?) or fragment (#)" + fix);
        }
    }

    /** Requires an absolute path, so that the meaning does not depend on the working directory. */
    public void absolutePath(String key, Path value, String example) {
        if (!value.isAbsolute()) {
            add(key, "\"" + value + "\" is not an absolute path; use e.g. \"" + example + "\"");
        }
    }

    /** Requires every entry of a list to be present and not blank. */
    public void noEmptyEntries(String key, Collection<String> values) {
        if (values.stream().anyMatch(v -> v == null || v.isBlank())) {
            add(key, "has an empty entry; remove it");
        }
    }

    /** True if nothing has been found wrong so far. */
    public boolean isEmpty() {
        return found.isEmpty();
    }

    /**
     * Throws if anything was found wrong.
     *
     * @throws InvalidConfigException listing every violation
     */
    public void throwIfAny() {
        if (!found.isEmpty()) {
            throw new InvalidConfigException(found);
        }
    }

    /** Replaces the user-info part of a URL, which may hold a password, with {@code ***}. */
    public static String redactUrl(String url) {
        return url.replaceFirst("^([A-Za-z][A-Za-z0-9+.-]*://)[^/?#]*@", "$1***@");
    }

    private static String bytes(long n) {
        for (int i = 0; i < BYTE_UNITS.length; i++) {
            if (n >= BYTE_UNITS[i] && n % BYTE_UNITS[i] == 0) {
                return n + " (" + n / BYTE_UNITS[i] + " " + BYTE_UNIT_NAMES[i] + ")";
            }
        }
        return Long.toString(n);
    }
}
