package dev.outpost.gateway.http;

import dev.outpost.gateway.config.TlsProvider;
import dev.outpost.wire.config.ConfigException;
import io.netty.handler.ssl.OpenSsl;
import io.netty.handler.ssl.SslProvider;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;

/**
 * Resolves {@code tls.provider} to the TLS implementation the listeners use. OpenSSL is BoringSSL from Netty's
 * netty-tcnative-boringssl-static, whose native library (Linux x86_64) is inside the gateway jar: Netty copies it to
 * a file and loads it. That file goes into a directory of its own, created for it with mode 0700 under
 * {@code java.io.tmpdir} (the unit's private /tmp under systemd), so only the gateway's user could write it between
 * copy and load; Netty deletes the file once loaded and this class the directory. An operator may choose the
 * directory with {@code -Dio.netty.native.workdir=DIR} (e.g. where /tmp is mounted noexec); then it is used as is.
 */
public final class TlsProviders {
    static final String WORKDIR = "io.netty.native.workdir";
    private static String unavailable;
    private static boolean loaded;

    static {
        ServerTls.noTickets(); // before OpenSsl below: Netty reads it when its OpenSSL classes are first used
    }

    /** The implementation chosen and, for the log, why. */
    public record Choice(SslProvider provider, String description) {
        public boolean openssl() {
            return provider == SslProvider.OPENSSL;
        }
    }

    private TlsProviders() {
    }

    /**
     * The implementation for {@code setting}: OpenSSL for {@code openssl}, and for {@code auto} when it is usable
     * here, else the JDK's.
     *
     * @param file the config file (or where it would be), for the error message
     * @throws ConfigException if {@code openssl} is asked for and cannot be loaded on this host
     */
    public static Choice choose(TlsProvider setting, Path file) throws ConfigException {
        if (setting == TlsProvider.JDK) {
            return new Choice(SslProvider.JDK, "the JDK's (tls.provider: jdk)");
        }
        String why = opensslUnavailable();
        if (why == null) {
            return new Choice(SslProvider.OPENSSL, "OpenSSL, " + OpenSsl.versionString() + " (tls.provider: "
                    + setting.name().toLowerCase(java.util.Locale.ROOT) + ")");
        }
        if (setting == TlsProvider.OPENSSL) {
            throw new ConfigException(List.of(file + ": tls.provider: \"openssl\" cannot be used on this host: " + why
                    + "; set tls.provider to auto (OpenSSL where it loads, else the JDK's TLS) or jdk, or "
                    + "OUTPOST_GATEWAY_TLS_PROVIDER=auto"));
        }
        return new Choice(SslProvider.JDK, "the JDK's (tls.provider: auto; OpenSSL cannot be used here: " + why + ")");
    }

    /** Null when OpenSSL is loaded and offers what the listeners need, else why not. Loads it once. */
    static synchronized String opensslUnavailable() {
        if (!loaded) {
            unavailable = load();
            loaded = true;
        }
        return unavailable;
    }

    private static String load() {
        Path own = null;
        try {
            if (System.getProperty(WORKDIR) == null) {
                try {
                    own = Files.createTempDirectory(Path.of(System.getProperty("java.io.tmpdir")),
                            "outpost-gateway-tls-", PosixFilePermissions.asFileAttribute(
                                    PosixFilePermissions.fromString("rwx------")));
                    System.setProperty(WORKDIR, own.toString());
                } catch (IOException | UnsupportedOperationException e) {
                    return "no private directory to unpack its native library into (" + e.getMessage() + ")";
                }
            }
            if (!OpenSsl.isAvailable()) {
                Throwable cause = OpenSsl.unavailabilityCause();
                return "its native library did not load (" + (cause == null ? "unknown cause"
                        : HandshakeLogger.reason(cause)) + ")";
            }
        } catch (LinkageError e) {
            return "its native library did not load (" + e + ")";
        } finally {
            if (own != null) {
                System.clearProperty(WORKDIR);
                try {
                    Files.deleteIfExists(own);
                } catch (IOException e) {
                    // Not empty: -Dio.netty.native.deleteLibAfterLoading=false kept the library; the operator asked.
                }
            }
        }
        if (!SslProvider.isTlsv13Supported(SslProvider.OPENSSL)) {
            return OpenSsl.versionString() + " lacks TLS 1.3";
        }
        for (String suite : ServerTls.CIPHERS) {
            if (!OpenSsl.isCipherSuiteAvailable(suite)) {
                return OpenSsl.versionString() + " lacks " + suite;
            }
        }
        return null;
    }
}
