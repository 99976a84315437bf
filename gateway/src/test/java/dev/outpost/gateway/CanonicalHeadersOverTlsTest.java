package dev.outpost.gateway;

import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.outpost.gateway.ca.AgentIdentity;
import dev.outpost.gateway.ca.CertificateAuthority;
import java.io.ByteArrayOutputStream;
import java.io.InputStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyStore;
import java.security.SecureRandom;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLSocket;
import javax.net.ssl.TrustManagerFactory;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The bytes of response headers as clients receive them from both real listeners over TLS: every name in its
 * canonical case ({@code Content-Type}, {@code WWW-Authenticate}, ...), as case-sensitive EST clients expect.
 */
class CanonicalHeadersOverTlsTest {
    /** Each word capitalised, or one of the registered exceptions. */
    static final Pattern CANONICAL = Pattern.compile("(?:[A-Z][a-z0-9]*)(?:-[A-Z][a-z0-9]*)*|WWW-Authenticate|ETag");
    final Clock clock = Clock.systemUTC();
    final SecureRandom random = new SecureRandom();
    @TempDir
    Path root;
    CertificateAuthority ca;
    GatewayRuntime gateway;

    @BeforeEach
    void start() throws Exception {
        ca = TestGatewayDir.createCa(root, clock, random);
        gateway = TestGatewayDir.serve(root, Map.of(), clock);
    }

    @AfterEach
    void stop() {
        gateway.close();
    }

    @Test
    void theEstListenerSendsCanonicalHeaderNames() throws Exception {
        SSLContext anonymous = SSLContext.getInstance("TLS");
        KeyStore trust = KeyStore.getInstance("PKCS12");
        trust.load(null, null);
        trust.setCertificateEntry("ca", ca.certificate());
        TrustManagerFactory tmf = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
        tmf.init(trust);
        anonymous.init(null, tmf.getTrustManagers(), random);

        String cacerts = exchange(anonymous, gateway.estAddress(), "GET /.well-known/est/cacerts HTTP/1.1\r\n"
                + "Host: localhost\r\n\r\n");
        assertCanonical(cacerts);
        assertHas(cacerts, "Content-Type: application/pkcs7-mime; smime-type=certs-only", "Content-Transfer-Encoding: "
                + "base64", "Content-Length: ", "Date: ", "X-Content-Type-Options: nosniff", "Connection: keep-alive");

        String challenge = exchange(anonymous, gateway.estAddress(), "POST /.well-known/est/simpleenroll HTTP/1.1\r\n"
                + "Host: localhost\r\nContent-Type: application/pkcs10\r\nContent-Length: 0\r\n\r\n");
        assertCanonical(challenge);
        assertHas(challenge, "HTTP/1.1 401 ", "WWW-Authenticate: Basic realm=\"outpost-est\"", "Connection: close");

        String wrongMethod = exchange(anonymous, gateway.estAddress(), "DELETE /.well-known/est/cacerts HTTP/1.1\r\n"
                + "Host: localhost\r\n\r\n");
        assertCanonical(wrongMethod);
        assertHas(wrongMethod, "HTTP/1.1 405 ", "Allow: GET");
    }

    @Test
    void theIngestListenerSendsCanonicalHeaderNames() throws Exception {
        SSLContext agent = AgentTls.context(ca, new AgentIdentity("acme", "a-3f9a0c1b2d4e5f60"), Duration.ofHours(1),
                random);
        String wrongMethod = exchange(agent, gateway.ingestAddress(), "GET /v1/metrics HTTP/1.1\r\nHost: localhost\r\n\r\n");
        assertCanonical(wrongMethod);
        assertHas(wrongMethod, "HTTP/1.1 405 ", "Allow: POST", "Content-Type: ", "Date: ");

        Files.writeString(root.resolve("maintenance"), "120");
        String maintenance = exchange(agent, gateway.ingestAddress(), "POST /v1/metrics HTTP/1.1\r\nHost: localhost\r\n"
                + "Content-Type: application/x-protobuf\r\nContent-Length: 0\r\n\r\n");
        assertCanonical(maintenance);
        assertHas(maintenance, "HTTP/1.1 503 ", "Retry-After: 120", "Content-Length: ");
    }

    /** Sends {@code request} on a new connection and returns the response head (status line and headers). */
    static String exchange(SSLContext ctx, InetSocketAddress at, String request) throws Exception {
        try (SSLSocket s = AgentTls.connect(ctx, at)) {
            s.getOutputStream().write(request.getBytes(StandardCharsets.ISO_8859_1));
            s.getOutputStream().flush();
            InputStream in = s.getInputStream();
            ByteArrayOutputStream head = new ByteArrayOutputStream();
            int matched = 0;
            byte[] end = "\r\n\r\n".getBytes(StandardCharsets.ISO_8859_1);
            for (int c = in.read(); c >= 0 && matched < end.length && head.size() < 16384; c = in.read()) {
                head.write(c);
                matched = c == end[matched] ? matched + 1 : (c == end[0] ? 1 : 0);
            }
            return head.toString(StandardCharsets.ISO_8859_1);
        }
    }

    static void assertCanonical(String head) {
        List<String> names = new ArrayList<>();
        for (String line : head.split("\r\n")) {
            if (line.startsWith("HTTP/") || line.isEmpty()) {
                continue;
            }
            names.add(line.substring(0, line.indexOf(':')));
        }
        assertTrue(names.size() >= 4, "a few headers at least:\n" + head);
        for (String name : names) {
            assertTrue(CANONICAL.matcher(name).matches(), "header name \"" + name + "\" is not canonical:\n" + head);
        }
    }

    static void assertHas(String head, String... parts) {
        for (String p : parts) {
            assertTrue(head.contains(p), "no \"" + p + "\" in:\n" + head);
        }
        assertTrue(head.endsWith("\r\n\r\n"), "a whole response head:\n" + head);
    }
}
