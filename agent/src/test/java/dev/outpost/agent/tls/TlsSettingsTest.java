package dev.outpost.agent.tls;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.outpost.wire.EcKeys;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyPair;
import java.security.KeyStore;
import java.security.SecureRandom;
import java.security.cert.Certificate;
import java.security.cert.X509Certificate;
import java.time.Instant;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLHandshakeException;
import javax.net.ssl.SSLParameters;
import javax.net.ssl.SSLServerSocket;
import javax.net.ssl.SSLSocket;
import javax.net.ssl.TrustManagerFactory;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The enrolled agent's TLS client trusts the Outpost CA it was given and nothing else: a gateway whose certificate the
 * JVM's default trust store accepts is refused. The "system" trust store here is one the test names in
 * {@code javax.net.ssl.trustStore}, holding a CA of the test's own, and the test first shows that the JVM's default
 * trust really accepts that gateway.
 */
class TlsSettingsTest {
    private static final List<String> TRUST_PROPERTIES = List.of("javax.net.ssl.trustStore",
            "javax.net.ssl.trustStoreType", "javax.net.ssl.trustStorePassword");
    private final SecureRandom random = new SecureRandom();

    @TempDir
    Path tmp;

    @Test
    void aGatewayTheSystemTrustStoreAcceptsIsRefused() throws Exception {
        TestCa system = new TestCa();
        TestCa outpost = new TestCa();
        KeyPair serverKey = EcKeys.generate(random);
        X509Certificate serverCert = system.issueServer(serverKey.getPublic(), "127.0.0.1");
        Path store = tmp.resolve("system-trust.p12");
        KeyStore trust = KeyStore.getInstance("PKCS12");
        trust.load(null, null);
        trust.setCertificateEntry("system-ca", system.certificate());
        try (OutputStream out = Files.newOutputStream(store)) {
            trust.store(out, "changeit".toCharArray());
        }
        Map<String, String> saved = new HashMap<>();
        TRUST_PROPERTIES.forEach(p -> saved.put(p, System.getProperty(p)));
        System.setProperty("javax.net.ssl.trustStore", store.toString());
        System.setProperty("javax.net.ssl.trustStoreType", "PKCS12");
        System.setProperty("javax.net.ssl.trustStorePassword", "changeit");
        AtomicInteger handshakes = new AtomicInteger();
        try (SSLServerSocket server = (SSLServerSocket) serverContext(serverKey, serverCert, system.certificate())
                .getServerSocketFactory().createServerSocket(0, 2, InetAddress.getLoopbackAddress())) {
            Thread acceptor = new Thread(() -> serve(server, 2, handshakes), "tls-test-server");
            acceptor.start();
            InetSocketAddress at = new InetSocketAddress(InetAddress.getLoopbackAddress(), server.getLocalPort());

            TrustManagerFactory jvm = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
            jvm.init((KeyStore) null);
            SSLContext jvmDefault = SSLContext.getInstance("TLS");
            jvmDefault.init(null, jvm.getTrustManagers(), random);
            handshake(jvmDefault, at);

            Credentials agent = outpost.credentials("a-0123456789abcdef", "acme", Instant.now().minusSeconds(60),
                    Instant.now().plusSeconds(3600));
            SSLContext pinned = TlsSettings.client(agent.key(), List.of(agent.certificate()),
                    List.of(outpost.certificate())).context();
            SSLHandshakeException e = assertThrows(SSLHandshakeException.class, () -> handshake(pinned, at));
            assertTrue(e.getMessage().contains("and this agent trusts only sha256:"), e.getMessage());
            acceptor.join(20_000);
            assertEquals(1, handshakes.get(), "the gateway saw one completed handshake, the JVM default's");
        } finally {
            saved.forEach((p, v) -> {
                if (v == null) {
                    System.clearProperty(p);
                } else {
                    System.setProperty(p, v);
                }
            });
        }
    }

    private SSLContext serverContext(KeyPair key, X509Certificate cert, X509Certificate ca) throws Exception {
        KeyStore ks = KeyStore.getInstance("PKCS12");
        ks.load(null, null);
        ks.setKeyEntry("server", key.getPrivate(), "k".toCharArray(), new Certificate[] {cert, ca});
        KeyManagerFactory kmf = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
        kmf.init(ks, "k".toCharArray());
        SSLContext ctx = SSLContext.getInstance("TLS");
        ctx.init(kmf.getKeyManagers(), null, random);
        return ctx;
    }

    /** Accepts {@code connections} connections, counting the handshakes that complete. */
    private static void serve(SSLServerSocket server, int connections, AtomicInteger handshakes) {
        for (int i = 0; i < connections; i++) {
            try (SSLSocket s = (SSLSocket) server.accept()) {
                s.setSoTimeout(3_000);
                s.startHandshake();
                s.getOutputStream().write(1);
                s.getOutputStream().flush();
                handshakes.incrementAndGet();
            } catch (java.io.IOException e) {
                // the refused client: counted by not counting
            }
        }
    }

    /** A connection that verifies the server's name as the agent does, reading the one byte the server sends. */
    private static void handshake(SSLContext ctx, InetSocketAddress at) throws Exception {
        try (SSLSocket s = (SSLSocket) ctx.getSocketFactory().createSocket("127.0.0.1", at.getPort())) {
            s.setSoTimeout(10_000);
            SSLParameters p = s.getSSLParameters();
            p.setEndpointIdentificationAlgorithm("HTTPS");
            s.setSSLParameters(p);
            s.startHandshake();
            assertEquals(1, s.getInputStream().read());
        }
    }
}
