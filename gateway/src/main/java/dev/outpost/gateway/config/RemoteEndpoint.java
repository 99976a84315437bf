package dev.outpost.gateway.config;

import dev.outpost.wire.config.Violations;
import java.net.InetAddress;
import java.net.URI;
import java.net.URISyntaxException;
import java.net.UnknownHostException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermission;
import java.time.Duration;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * Where a remote sink sends, and how it authenticates: the URL (which may contain {@code {org}}, replaced by the
 * org of the batches in each request: one store or tenant per org), a tenant header carrying the org (e.g.
 * {@code X-Scope-OrgID} for Mimir, Cortex, Thanos receive), extra headers, Basic auth or a bearer token read from
 * files (a systemd credential: {@code $CREDENTIALS_DIRECTORY/name}), the CA to trust (else the system store), a
 * client certificate, and a timeout. Secrets are never in the YAML itself.
 */
public interface RemoteEndpoint {
    /** The placeholder replaced by the org in {@link #url()}. */
    String ORG_PLACEHOLDER = "{org}";
    Pattern TOKEN = Pattern.compile("[!#$%&'*+.^_`|~0-9A-Za-z-]+");
    Set<String> RESERVED_HEADERS = Set.of("authorization", "content-type", "content-encoding", "content-length",
            "host", "connection", "user-agent", "x-prometheus-remote-write-version", "transfer-encoding", "expect",
            "upgrade");

    String url();

    String tenantHeader();

    Map<String, String> headers();

    String basicAuthUsername();

    Path basicAuthPasswordFile();

    Path bearerTokenFile();

    Path tlsCaFile();

    Path tlsCertFile();

    Path tlsKeyFile();

    Duration timeout();

    /** The URL for {@code org}. */
    default URI urlFor(String org) {
        return URI.create(url().replace(ORG_PLACEHOLDER, org));
    }

    /**
     * The checks both remote sinks share; {@code example} is a good URL for the messages. An empty URL is allowed
     * here (the sink is not in use); {@link SinkConfig} requires one for the sink {@code sink.type} names.
     */
    static void check(Violations v, String url, String tenantHeader, Map<String, String> headers, String user,
            Path passwordFile, Path bearerFile, Path caFile, Path certFile, Path keyFile, Duration timeout,
            String example) {
        URI uri = null;
        if (url == null) {
            v.add("url", "missing; set the store's write URL, e.g. \"" + example + "\"");
        } else if (!url.isEmpty()) {
            try {
                uri = new URI(url.replace(ORG_PLACEHOLDER, "acme"));
                String scheme = uri.getScheme() == null ? "" : uri.getScheme().toLowerCase(Locale.ROOT);
                if (!scheme.equals("http") && !scheme.equals("https")) {
                    v.add("url", "\"" + url + "\" is not an http or https URL; use e.g. \"" + example + "\"");
                    uri = null;
                } else if (uri.getHost() == null) {
                    v.add("url", "\"" + url + "\" has no host; use e.g. \"" + example + "\"");
                    uri = null;
                } else if (uri.getRawUserInfo() != null) {
                    v.add("url", "must not contain a user name or password; use basic_auth_username and "
                            + "basic_auth_password_file instead");
                    uri = null;
                } else if (url.substring(0, url.indexOf("://") + 3 + uri.getRawAuthority().length())
                        .contains(ORG_PLACEHOLDER)) {
                    v.add("url", "\"" + url + "\" has {org} in its host; put it in the path or query");
                }
            } catch (URISyntaxException e) {
                v.add("url", "\"" + url + "\" is not a valid URL (" + e.getReason() + "); use e.g. \"" + example
                        + "\"");
            }
        }
        if (!tenantHeader.isEmpty() && (!TOKEN.matcher(tenantHeader).matches()
                || RESERVED_HEADERS.contains(tenantHeader.toLowerCase(Locale.ROOT)))) {
            v.add("tenant_header", "\"" + tenantHeader + "\" is not a header name this sink may set; use e.g. "
                    + "\"X-Scope-OrgID\", or \"\" for none");
        }
        headers.forEach((name, value) -> {
            if (!TOKEN.matcher(name).matches() || RESERVED_HEADERS.contains(name.toLowerCase(Locale.ROOT))) {
                v.add("headers", "\"" + name + "\" is not a header name this sink may set (Authorization comes "
                        + "from basic_auth_* or bearer_token_file)");
            } else if (value == null || value.chars().anyMatch(c -> c < 0x20 || c == 0x7f)) {
                v.add("headers", "the value of \"" + name + "\" is empty or has a control character");
            }
        });
        boolean basic = !user.isEmpty() || passwordFile != null;
        if (basic && (user.isEmpty() || passwordFile == null)) {
            v.add("basic_auth_username", "basic auth needs both basic_auth_username and basic_auth_password_file");
        }
        if (basic && bearerFile != null) {
            v.add("bearer_token_file", "set either basic auth or a bearer token, not both");
        }
        readable(v, "basic_auth_password_file", passwordFile, true);
        readable(v, "bearer_token_file", bearerFile, true);
        readable(v, "tls_ca_file", caFile, false);
        readable(v, "tls_cert_file", certFile, false);
        readable(v, "tls_key_file", keyFile, true);
        if (certFile == null != (keyFile == null)) {
            v.add("tls_cert_file", "a client certificate needs both tls_cert_file and tls_key_file");
        }
        if (uri != null && (basic || bearerFile != null) && "http".equalsIgnoreCase(uri.getScheme())
                && !loopback(uri.getHost())) {
            v.add("url", "\"" + url + "\" is plain http to another host, and credentials would cross the network "
                    + "unencrypted; use https");
        }
        v.durationBetween("timeout", timeout, Duration.ofSeconds(1), Duration.ofMinutes(5), Duration.ofSeconds(5));
    }

    /**
     * A file named in the config: {@code $CREDENTIALS_DIRECTORY/NAME} is the systemd credential NAME of the
     * gateway's unit ({@code LoadCredential=}), anything else a path.
     */
    static Path resolve(Path file) {
        String text = file.toString();
        String prefix = "$CREDENTIALS_DIRECTORY/";
        if (text.startsWith(prefix)) {
            String dir = System.getenv("CREDENTIALS_DIRECTORY");
            return dir == null ? file : Path.of(dir, text.substring(prefix.length()));
        }
        return file;
    }

    /** A secret file must exist, be readable and (if {@code secret}) not be readable by others. */
    static void checkReadable(Violations v, String key, Path named, boolean secret) {
        readable(v, key, named, secret);
    }

    private static void readable(Violations v, String key, Path named, boolean secret) {
        if (named == null) {
            return;
        }
        Path file = resolve(named);
        if (!Files.isRegularFile(file) || !Files.isReadable(file)) {
            v.add(key, "\"" + file + "\" is not a readable file; create it or fix the path");
            return;
        }
        if (secret) {
            try {
                Set<PosixFilePermission> perms = Files.getPosixFilePermissions(file);
                if (perms.contains(PosixFilePermission.OTHERS_READ)) {
                    v.add(key, "\"" + file + "\" holds a secret but others may read it; chmod 600 " + file);
                }
            } catch (java.io.IOException | UnsupportedOperationException e) {
                v.add(key, "\"" + file + "\": cannot read its permissions: " + e.getMessage());
            }
        }
    }

    private static boolean loopback(String host) {
        if (host.equals("localhost")) {
            return true;
        }
        try {
            String literal = host.startsWith("[") ? host.substring(1, host.length() - 1) : host;
            return (literal.matches("[0-9.]+") || literal.contains(":"))
                    && InetAddress.getByName(literal).isLoopbackAddress();
        } catch (UnknownHostException | RuntimeException e) {
            return false;
        }
    }
}
