package dev.outpost.agent;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;

/**
 * The OTLP resource of this host (OpenTelemetry semantic conventions): {@code host.name}, {@code host.id},
 * {@code os.type}, {@code host.arch}, {@code service.name}, {@code service.version}, plus the configured labels.
 */
public final class ResourceAttributes {
    private ResourceAttributes() {
    }

    public static Map<String, String> of(Path procRoot, Path etcRoot, String version, Map<String, String> labels) {
        Map<String, String> m = new LinkedHashMap<>(labels);
        m.put("host.name", firstLine(procRoot.resolve("sys/kernel/hostname"), "localhost"));
        String machineId = firstLine(etcRoot.resolve("machine-id"), "");
        if (!machineId.isEmpty()) {
            m.put("host.id", machineId);
        }
        m.put("os.type", System.getProperty("os.name", "linux").toLowerCase(Locale.ROOT).replace(' ', '_'));
        m.put("host.arch", arch(System.getProperty("os.arch", "")));
        m.put("service.name", "outpost-agent");
        m.put("service.version", version);
        return m;
    }

    static String arch(String osArch) {
        return switch (osArch) {
            case "amd64", "x86_64" -> "amd64";
            case "aarch64", "arm64" -> "arm64";
            case "x86", "i386", "i686" -> "x86";
            case "ppc64le", "ppc64" -> "ppc64";
            case "s390x" -> "s390x";
            default -> osArch;
        };
    }

    private static String firstLine(Path file, String fallback) {
        try {
            String s = Files.readString(file, StandardCharsets.UTF_8).strip();
            int nl = s.indexOf('\n');
            s = nl >= 0 ? s.substring(0, nl) : s;
            return s.isEmpty() ? fallback : s;
        } catch (IOException e) {
            return fallback;
        }
    }
}
