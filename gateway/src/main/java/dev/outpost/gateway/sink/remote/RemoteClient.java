package dev.outpost.gateway.sink.remote;

import dev.outpost.gateway.config.RemoteEndpoint;
import dev.outpost.wire.Pem;
import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpHeaders;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.security.PrivateKey;
import java.security.cert.X509Certificate;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.Executor;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManagerFactory;

/**
 * HTTP(S) to one remote store, per org: the URL with {@code {org}} replaced, the tenant header set to the org,
 * extra headers, and the Authorization from a secret file (re-read at most once a minute, so a rotated secret is
 * picked up). TLS trusts the configured CA file or else the system store and verifies the host name; a client
 * certificate is presented if configured. Thread-safe.
 */
public final class RemoteClient {
    /**
     * What the store answered: status, the Retry-After it asked for (or null), the start of its body as one
     * printable line, and the first {@link #MAX_BODY_BYTES} bytes of it.
     */
    public record Answer(int status, Duration retryAfter, String body, byte[] raw) {
    }

    static final int MAX_BODY_EXCERPT = 512;
    static final int MAX_BODY_BYTES = 64 << 10;
    private static final Duration SECRET_REFRESH = Duration.ofMinutes(1);
    private final RemoteEndpoint endpoint;
    private final HttpClient client;
    private final Clock clock;
    private final String userAgent;
    private String authorization;
    private Instant authorizationRead = Instant.MIN;

    public RemoteClient(RemoteEndpoint endpoint, Clock clock, Executor executor, String userAgent)
            throws IOException {
        this.endpoint = Objects.requireNonNull(endpoint, "endpoint");
        this.clock = Objects.requireNonNull(clock, "clock");
        this.userAgent = userAgent;
        HttpClient.Builder b = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
                .connectTimeout(endpoint.timeout()).followRedirects(HttpClient.Redirect.NEVER).executor(executor);
        if (endpoint.urlFor("org").getScheme().equalsIgnoreCase("https")) {
            b.sslContext(sslContext(endpoint));
        }
        this.client = b.build();
        authorization();
    }

    /** POSTs {@code body} for {@code org}; throws on a connection failure or a timeout. */
    public Answer post(String org, byte[] body, Map<String, String> headers, Duration timeout)
            throws IOException, InterruptedException {
        URI uri = endpoint.urlFor(org);
        HttpRequest.Builder r = HttpRequest.newBuilder(uri).timeout(timeout)
                .POST(HttpRequest.BodyPublishers.ofByteArray(body)).header("User-Agent", userAgent);
        headers.forEach(r::header);
        endpoint.headers().forEach(r::header);
        if (!endpoint.tenantHeader().isEmpty()) {
            r.header(endpoint.tenantHeader(), org);
        }
        String auth = authorization();
        if (auth != null) {
            r.header("Authorization", auth);
        }
        HttpResponse<InputStream> response = client.send(r.build(), HttpResponse.BodyHandlers.ofInputStream());
        byte[] start;
        try (InputStream in = response.body()) {
            start = in.readNBytes(MAX_BODY_BYTES);
            in.skip(Long.MAX_VALUE);
        }
        String excerpt = printable(new String(start, 0, Math.min(start.length, MAX_BODY_EXCERPT),
                StandardCharsets.UTF_8));
        return new Answer(response.statusCode(), retryAfter(response.headers()), excerpt, start);
    }

    /** Where this client sends for {@code org}, for logs (no secrets: they are never in the URL). */
    public URI uri(String org) {
        return endpoint.urlFor(org);
    }

    private Duration retryAfter(HttpHeaders headers) {
        String value = headers.firstValue("Retry-After").orElse(null);
        if (value == null) {
            return null;
        }
        try {
            return Duration.ofSeconds(Math.max(0, Long.parseLong(value.trim())));
        } catch (NumberFormatException e) {
            try {
                Instant at = ZonedDateTime.parse(value.trim(), DateTimeFormatter.RFC_1123_DATE_TIME).toInstant();
                return Duration.between(clock.instant(), at).isNegative() ? Duration.ZERO
                        : Duration.between(clock.instant(), at);
            } catch (RuntimeException ignored) {
                return null;
            }
        }
    }

    /** The Authorization header value, re-read from its file at most once a minute; null without credentials. */
    private synchronized String authorization() throws IOException {
        Instant now = clock.instant();
        if (now.isBefore(authorizationRead.plus(SECRET_REFRESH))) {
            return authorization;
        }
        if (endpoint.bearerTokenFile() != null) {
            authorization = "Bearer " + secret(endpoint.bearerTokenFile());
        } else if (endpoint.basicAuthPasswordFile() != null) {
            String pair = endpoint.basicAuthUsername() + ":" + secret(endpoint.basicAuthPasswordFile());
            authorization = "Basic " + Base64.getEncoder().encodeToString(pair.getBytes(StandardCharsets.UTF_8));
        }
        authorizationRead = now;
        return authorization;
    }

    /** The first line of a secret file; the message of a failure names the file, never its content. */
    private static String secret(Path named) throws IOException {
        Path file = RemoteEndpoint.resolve(named);
        try {
            String text = Files.readString(file, StandardCharsets.UTF_8).strip();
            int newline = text.indexOf('\n');
            String line = newline < 0 ? text : text.substring(0, newline).strip();
            if (line.isEmpty() || line.chars().anyMatch(c -> c < 0x20 || c == 0x7f)) {
                throw new IOException(file + ": the secret must be one line of printable text");
            }
            return line;
        } catch (java.nio.charset.MalformedInputException e) {
            throw new IOException(file + ": the secret is not UTF-8 text", null);
        }
    }

    private static SSLContext sslContext(RemoteEndpoint e) throws IOException {
        try {
            TrustManagerFactory tmf = null;
            if (e.tlsCaFile() != null) {
                KeyStore trust = KeyStore.getInstance("PKCS12");
                trust.load(null, null);
                List<X509Certificate> cas = Pem.readCertificates(RemoteEndpoint.resolve(e.tlsCaFile()));
                if (cas.isEmpty()) {
                    throw new IOException(e.tlsCaFile() + ": no PEM certificate in it");
                }
                for (int i = 0; i < cas.size(); i++) {
                    trust.setCertificateEntry("ca" + i, cas.get(i));
                }
                tmf = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
                tmf.init(trust);
            }
            KeyManagerFactory kmf = null;
            if (e.tlsCertFile() != null) {
                List<X509Certificate> chain = Pem.readCertificates(RemoteEndpoint.resolve(e.tlsCertFile()));
                PrivateKey key = Pem.readPrivateKey(RemoteEndpoint.resolve(e.tlsKeyFile()));
                KeyStore keys = KeyStore.getInstance("PKCS12");
                keys.load(null, null);
                char[] none = new char[0];
                keys.setKeyEntry("client", key, none, chain.toArray(X509Certificate[]::new));
                kmf = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
                kmf.init(keys, none);
            }
            SSLContext ctx = SSLContext.getInstance("TLS");
            ctx.init(kmf == null ? null : kmf.getKeyManagers(), tmf == null ? null : tmf.getTrustManagers(), null);
            return ctx;
        } catch (GeneralSecurityException ex) {
            throw new IOException("cannot set up TLS for " + e.urlFor("org").getHost() + ": " + ex.getMessage(), ex);
        }
    }

    /** One line of printable text, for logs. */
    static String printable(String s) {
        StringBuilder b = new StringBuilder(Math.min(s.length(), MAX_BODY_EXCERPT));
        for (int i = 0; i < s.length() && b.length() < MAX_BODY_EXCERPT; i++) {
            char c = s.charAt(i);
            b.append(c >= 0x20 && c != 0x7f ? c : ' ');
        }
        return b.toString().strip();
    }
}
