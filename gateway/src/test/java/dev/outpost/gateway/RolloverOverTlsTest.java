package dev.outpost.gateway;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.outpost.gateway.ca.AgentIdentity;
import dev.outpost.gateway.ca.CaFiles;
import dev.outpost.gateway.ca.CertificateAuthority;
import dev.outpost.gateway.ca.MasterKey;
import dev.outpost.gateway.cli.GatewayCli;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.PrintStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.security.KeyPair;
import java.security.KeyStore;
import java.security.SecureRandom;
import java.security.cert.Certificate;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLSocket;
import javax.net.ssl.TrustManagerFactory;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A CA rollover on the real listeners, driven by the {@code ca} commands: TLS clients that trust only the old CA,
 * only the new one, or both, and agent certificates from either, at each step.
 */
class RolloverOverTlsTest {
    static final AgentIdentity A = new AgentIdentity("acme", "a-3f9a0c1b2d4e5f60");
    final Clock clock = Clock.systemUTC();
    final SecureRandom random = new SecureRandom();
    @TempDir
    Path root;
    CertificateAuthority old;
    GatewayRuntime gateway;
    final ByteArrayOutputStream out = new ByteArrayOutputStream();
    final ByteArrayOutputStream err = new ByteArrayOutputStream();

    @BeforeEach
    void start() throws Exception {
        old = TestGatewayDir.createCa(root, clock, random);
        gateway = TestGatewayDir.serve(root, tls(), clock);
    }

    /** The TLS implementation: the default here (auto: OpenSSL on Linux x86_64); RolloverOverJdkTlsTest: the JDK's. */
    Map<String, String> tls() {
        return Map.of();
    }

    @AfterEach
    void stop() {
        gateway.close();
    }

    int ca(String... args) {
        out.reset();
        err.reset();
        List<String> argv = new ArrayList<>(List.of("ca"));
        argv.addAll(List.of(args));
        argv.addAll(List.of("--dir", root.toString(), "--wait", "0"));
        return new GatewayCli(new PrintStream(out, true, StandardCharsets.UTF_8),
                new PrintStream(err, true, StandardCharsets.UTF_8), TestGatewayDir.LOOPBACK, clock)
                .run(argv.toArray(String[]::new));
    }

    /** A TLS client trusting {@code trusted}, presenting a fresh agent certificate from {@code issuer} if not null. */
    SSLContext client(CertificateAuthority issuer, X509Certificate... trusted) throws Exception {
        KeyManagerFactory kmf = null;
        if (issuer != null) {
            KeyPair kp = CertificateAuthority.newKeyPair(random);
            X509Certificate cert = issuer.issueAgent(kp.getPublic(), A, "outpost.local", Duration.ofHours(1));
            KeyStore keys = KeyStore.getInstance("PKCS12");
            keys.load(null, null);
            keys.setKeyEntry("agent", kp.getPrivate(), "t".toCharArray(), new Certificate[] {cert});
            kmf = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
            kmf.init(keys, "t".toCharArray());
        }
        KeyStore trust = KeyStore.getInstance("PKCS12");
        trust.load(null, null);
        for (int i = 0; i < trusted.length; i++) {
            trust.setCertificateEntry("ca" + i, trusted[i]);
        }
        TrustManagerFactory tmf = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
        tmf.init(trust);
        SSLContext ctx = SSLContext.getInstance("TLSv1.3");
        ctx.init(kmf == null ? null : kmf.getKeyManagers(), tmf.getTrustManagers(), random);
        return ctx;
    }

    /** The status line of a request on a new connection (hostname verified), or the failure. */
    static String status(SSLContext ctx, InetSocketAddress at, String request) throws IOException {
        try (SSLSocket s = AgentTls.connect(ctx, at)) {
            s.getOutputStream().write(request.getBytes(StandardCharsets.ISO_8859_1));
            s.getOutputStream().flush();
            InputStream in = s.getInputStream();
            StringBuilder line = new StringBuilder();
            for (int c = in.read(); c >= 0 && c != '\r'; c = in.read()) {
                line.append((char) c);
            }
            if (line.isEmpty()) {
                throw new IOException("connection closed without an answer");
            }
            return line.toString();
        }
    }

    String ingest(SSLContext ctx) throws IOException {
        return status(ctx, gateway.ingestAddress(), "GET /v1/metrics HTTP/1.1\r\nHost: localhost\r\n\r\n");
    }

    List<X509Certificate> cacerts(SSLContext ctx) throws Exception {
        try (SSLSocket s = AgentTls.connect(ctx, gateway.estAddress())) {
            s.getOutputStream().write("GET /.well-known/est/cacerts HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n"
                    .getBytes(StandardCharsets.ISO_8859_1));
            String response = new String(s.getInputStream().readAllBytes(), StandardCharsets.ISO_8859_1);
            byte[] der = Base64.getMimeDecoder().decode(response.substring(response.indexOf("\r\n\r\n") + 4));
            List<X509Certificate> certs = new ArrayList<>();
            for (Certificate c : CertificateFactory.getInstance("X.509").generateCertificates(new ByteArrayInputStream(der))) {
                certs.add((X509Certificate) c);
            }
            return certs;
        }
    }

    CertificateAuthority issuing() throws IOException {
        return new CaFiles(root).load(MasterKey.load(root.resolve("master.key"), random), clock, random);
    }

    @Test
    void clientsOfEitherCaKeepWorkingThroughStageAndSwitchAndOnlyTheNewOneAfterRetirement() throws Exception {
        assertEquals(1, ca("switch"));
        assertEquals("outpost-gateway: nothing to switch: no CA rollover is requested or staged (see `outpost-gateway "
                + "ca status`)\n", err.toString());
        assertEquals(0, ca("rollover"));
        assertTrue(out.toString().contains("rollover requested; the gateway has not carried it out yet"), out.toString());
        assertEquals(1, ca("rollover"));
        gateway.authorities().refresh(); // as the scheduled refresh does within a second
        assertEquals(0, ca("status"));
        assertTrue(out.toString().contains("rollover:    staged at "), out.toString());
        List<X509Certificate> bundle = cacerts(client(null, old.certificate()));
        assertEquals(4, bundle.size(), "both CAs and the two link certificates");
        X509Certificate next = bundle.get(1);

        assertEquals(0, ca("switch"));
        gateway.authorities().refresh(); // as the scheduled refresh does within a second
        CertificateAuthority fresh = issuing();
        assertEquals(next, fresh.certificate());
        assertTrue(out.toString().contains("issuing CA:  sha256:"), out.toString());
        for (SSLContext c : List.of(client(old, old.certificate()), client(fresh, old.certificate()),
                client(old, next), client(fresh, next), client(fresh, old.certificate(), next))) {
            assertEquals("HTTP/1.1 405 Method Not Allowed", ingest(c), "after the switch, old and new certificates "
                    + "are accepted, and a client trusting either CA verifies the gateway");
        }
        assertEquals(0, ca("status"));
        assertTrue(out.toString().contains("rollover:    switched at "), out.toString());

        assertEquals(0, ca("retire"));
        gateway.authorities().refresh(); // as the scheduled refresh does within a second
        assertEquals("HTTP/1.1 405 Method Not Allowed", ingest(client(fresh, next)));
        assertThrows(IOException.class, () -> ingest(client(old, next)), "an old CA's certificate is refused");
        assertThrows(IOException.class, () -> ingest(client(fresh, old.certificate())),
                "the link to the old CA is gone from the chain");
        assertEquals(List.of(next), cacerts(client(null, next)));
        assertEquals(0, ca("status"));
        assertTrue(out.toString().contains("rollover:    none"), out.toString());
    }
}
