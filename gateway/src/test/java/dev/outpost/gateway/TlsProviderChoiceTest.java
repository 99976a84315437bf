package dev.outpost.gateway;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code tls.provider} as an operator sees it: a gateway process logs once at start which TLS implementation serves
 * its listeners; where OpenSSL's native library cannot be loaded (here: its unpacking directory cannot be created),
 * {@code auto} serves with the JDK's and {@code openssl} refuses to start with exit 78 and the fix. The library is
 * unpacked into a private directory that is gone once it is loaded.
 */
class TlsProviderChoiceTest {
    static final boolean X86_64 = List.of("amd64", "x86_64").contains(System.getProperty("os.arch"))
            && System.getProperty("os.name").startsWith("Linux");
    @TempDir
    Path root;
    @TempDir
    Path tmp;

    @Test
    void autoServesWithOpenSslUnpackedIntoAPrivateDirectoryThatIsRemoved() throws Exception {
        org.junit.jupiter.api.Assumptions.assumeTrue(X86_64, "netty-tcnative is shipped for Linux x86_64 only");
        List<String> lines = serveUntil(Map.of(), List.of(), "listening on");
        String tls = only(lines, "TLS: ");
        assertTrue(tls.contains("TLS: OpenSSL, BoringSSL (tls.provider: auto) for both listeners"), tls);
        try (Stream<Path> left = Files.list(tmp)) {
            assertEquals(List.of(), left.filter(p -> p.getFileName().toString().startsWith("outpost-gateway-tls-")
                    || p.getFileName().toString().contains("tcnative")).toList(), "nothing left in java.io.tmpdir");
        }
    }

    @Test
    void jdkServesWithTheJdksTls() throws Exception {
        List<String> lines = serveUntil(Map.of("OUTPOST_GATEWAY_TLS_PROVIDER", "jdk"), List.of(), "listening on");
        assertTrue(only(lines, "TLS: ").contains("TLS: the JDK's (tls.provider: jdk) for both listeners"), lines
                .toString());
    }

    @Test
    void withoutTheNativeLibraryAutoFallsBackToTheJdkAndOpensslExits78() throws Exception {
        List<String> noLibrary = List.of("-Dio.netty.native.workdir=/proc/outpost-no-such-dir");
        List<String> lines = serveUntil(Map.of(), noLibrary, "listening on");
        String tls = only(lines, "TLS: ");
        assertTrue(tls.contains("TLS: the JDK's (tls.provider: auto; OpenSSL cannot be used here: its native library "
                + "did not load"), tls);
        Process p = start(Map.of("OUTPOST_GATEWAY_TLS_PROVIDER", "openssl"), noLibrary);
        assertTrue(p.waitFor(60, TimeUnit.SECONDS), "exits");
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertEquals(78, p.exitValue(), out);
        assertTrue(out.contains(root.resolve("gateway.yaml") + ": tls.provider: \"openssl\" cannot be used on this "
                + "host: its native library did not load"), out);
        assertTrue(out.contains("set tls.provider to auto (OpenSSL where it loads, else the JDK's TLS) or jdk"), out);
    }

    static String only(List<String> lines, String marker) {
        List<String> hits = lines.stream().filter(l -> l.contains(marker)).toList();
        assertEquals(1, hits.size(), "logged once: " + lines);
        return hits.get(0);
    }

    /** Starts {@code serve} in a new JVM and returns its output up to the line containing {@code until}; stops it. */
    List<String> serveUntil(Map<String, String> env, List<String> jvm, String until) throws Exception {
        Process p = start(env, jvm);
        List<String> lines = new ArrayList<>();
        try (BufferedReader r = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8))) {
            long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
            for (String l = r.readLine(); l != null && System.nanoTime() < end; l = r.readLine()) {
                lines.add(l);
                if (l.contains(until)) {
                    return lines;
                }
            }
            throw new AssertionError("no line with \"" + until + "\": " + lines);
        } finally {
            p.destroy();
            if (!p.waitFor(20, TimeUnit.SECONDS)) {
                p.destroyForcibly();
            }
        }
    }

    Process start(Map<String, String> env, List<String> jvm) throws Exception {
        if (!Files.exists(root.resolve("ca"))) {
            TestGatewayDir.createCa(root, Clock.systemUTC(), new SecureRandom());
        }
        List<String> cmd = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-Xmx256m", "-Djava.io.tmpdir=" + tmp, "-cp", System.getProperty("java.class.path")));
        cmd.addAll(jvm);
        cmd.addAll(List.of("dev.outpost.gateway.Main", "serve", "--dir", root.toString()));
        ProcessBuilder b = new ProcessBuilder(cmd).redirectErrorStream(true);
        b.environment().keySet().removeIf(k -> k.startsWith("OUTPOST_"));
        b.environment().putAll(TestGatewayDir.LOOPBACK);
        b.environment().putAll(env);
        return b.start();
    }
}
