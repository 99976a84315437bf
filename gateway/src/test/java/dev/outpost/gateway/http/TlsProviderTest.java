package dev.outpost.gateway.http;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.outpost.gateway.AgentTls;
import dev.outpost.gateway.ca.AgentIdentity;
import dev.outpost.gateway.ca.CertificateAuthority;
import dev.outpost.gateway.config.IngestConnectionsConfig;
import dev.outpost.gateway.config.TlsProvider;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.channel.nio.NioIoHandler;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.ssl.ClientAuth;
import io.netty.handler.ssl.ReferenceCountedOpenSslEngine;
import io.netty.handler.ssl.SslHandler;
import io.netty.handler.ssl.SslProvider;
import java.io.ByteArrayOutputStream;
import java.io.InputStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.security.KeyPair;
import java.security.SecureRandom;
import java.security.cert.X509Certificate;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicInteger;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLParameters;
import javax.net.ssl.SSLSocket;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.slf4j.LoggerFactory;

/**
 * The two TLS implementations a listener can run on, side by side on loopback: which one serves a connection, and
 * that both offer the same versions and suites, take the identity from the same verified client certificate, and
 * hand their certificate checks to the handshake threads.
 */
class TlsProviderTest {
    static final AgentIdentity A = new AgentIdentity("acme", "a-3f9a0c1b2d4e5f60");
    /** Where netty-tcnative's native library ships. */
    static final boolean X86_64 = List.of("amd64", "x86_64").contains(System.getProperty("os.arch"))
            && System.getProperty("os.name").startsWith("Linux");
    final SecureRandom random = new SecureRandom();
    final EventLoopGroup group = new MultiThreadIoEventLoopGroup(1, NioIoHandler.newFactory());
    final java.util.concurrent.ExecutorService handshakeThreads = Executors.newFixedThreadPool(2);
    final AtomicInteger handshakeTasks = new AtomicInteger();
    CertificateAuthority ca;
    HttpsListener listener;

    @AfterEach
    void tearDown() {
        if (listener != null) {
            listener.close();
        }
        group.shutdownGracefully(0, 1, java.util.concurrent.TimeUnit.SECONDS).syncUninterruptibly();
        handshakeThreads.shutdownNow();
    }

    /** A listener requiring client certificates whose handler answers with its engine's class and the peer's org. */
    void listen(SslProvider provider) throws Exception {
        ca = CertificateAuthority.generate("Test CA", Duration.ofDays(30), Clock.systemUTC(), random);
        KeyPair serverKey = CertificateAuthority.newKeyPair(random);
        X509Certificate server = ca.issueServer(serverKey.getPublic(), List.of("127.0.0.1"), Duration.ofDays(1));
        ServerTls tls = new ServerTls(provider, ClientAuth.REQUIRE, serverKey.getPrivate(),
                List.of(server, ca.certificate()), List.of(ca.certificate()), null);
        assertEquals(provider, tls.provider());
        java.util.concurrent.Executor counting = task -> {
            handshakeTasks.incrementAndGet();
            handshakeThreads.execute(task);
        };
        listener = HttpsListener.bind("test", new InetSocketAddress("127.0.0.1", 0), group, group, tls,
                new HttpsListener.Settings(IngestConnectionsConfig.defaults(), 1024, null, counting), null,
                held -> new SimpleChannelInboundHandler<FullHttpRequest>() {
                    @Override
                    protected void channelRead0(ChannelHandlerContext ctx, FullHttpRequest msg) throws Exception {
                        SslHandler ssl = ctx.pipeline().get(SslHandler.class);
                        String body = (ssl.engine() instanceof ReferenceCountedOpenSslEngine ? "openssl" : "jdk")
                                + " " + dev.outpost.gateway.ca.PeerIdentity.of(ssl.engine().getSession()).org()
                                + " " + ssl.engine().getSession().getCipherSuite();
                        DefaultFullHttpResponse r = new DefaultFullHttpResponse(HttpVersion.HTTP_1_1,
                                HttpResponseStatus.OK, Unpooled.copiedBuffer(body, StandardCharsets.US_ASCII));
                        r.headers().set(HttpHeaderNames.CONTENT_LENGTH, r.content().readableBytes());
                        ctx.writeAndFlush(r).addListener(ChannelFutureListener.CLOSE);
                    }
                }, LoggerFactory.getLogger("test"), Clock.systemUTC());
    }

    /** One GET over a new connection with {@code protocol} and {@code suites}: the response body. */
    String get(String protocol, String... suites) throws Exception {
        SSLContext client = AgentTls.context(ca, A, Duration.ofHours(1), random);
        try (SSLSocket s = (SSLSocket) client.getSocketFactory().createSocket(listener.address().getAddress(),
                listener.address().getPort())) {
            s.setSoTimeout(20_000);
            SSLParameters p = s.getSSLParameters();
            p.setProtocols(new String[] {protocol});
            p.setCipherSuites(suites);
            p.setEndpointIdentificationAlgorithm("HTTPS");
            s.setSSLParameters(p);
            s.startHandshake();
            s.getOutputStream().write("GET / HTTP/1.1\r\nHost: gw\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
            s.getOutputStream().flush();
            InputStream in = s.getInputStream();
            ByteArrayOutputStream all = new ByteArrayOutputStream();
            in.transferTo(all);
            String response = all.toString(StandardCharsets.US_ASCII);
            return response.substring(response.indexOf("\r\n\r\n") + 4);
        }
    }

    @ParameterizedTest
    @EnumSource(value = SslProvider.class, names = {"JDK", "OPENSSL"})
    void theChosenImplementationServesWithTheSameSuitesAndIdentity(SslProvider provider) throws Exception {
        listen(provider);
        String name = provider == SslProvider.OPENSSL ? "openssl" : "jdk";
        for (String suite : ServerTls.CIPHERS) {
            String protocol = suite.startsWith("TLS_ECDHE") ? "TLSv1.2" : "TLSv1.3";
            assertEquals(name + " acme " + suite, get(protocol, suite), protocol + " " + suite);
        }
        assertTrue(handshakeTasks.get() >= ServerTls.CIPHERS.size(),
                "each handshake's certificate check ran on the handshake threads: " + handshakeTasks.get());
        // Refused by both: CBC and non-ECDHE suites in TLS 1.2, and TLS 1.1.
        for (String suite : List.of("TLS_ECDHE_ECDSA_WITH_AES_128_CBC_SHA256", "TLS_ECDHE_ECDSA_WITH_AES_128_CBC_SHA",
                "TLS_RSA_WITH_AES_128_GCM_SHA256")) {
            assertThrows(java.io.IOException.class, () -> get("TLSv1.2", suite), suite);
        }
        assertThrows(java.io.IOException.class, () -> get("TLSv1.1", "TLS_ECDHE_ECDSA_WITH_AES_128_CBC_SHA"));
    }

    @Test
    void autoIsOpenSslOnLinuxX8664AndJdkIsTheJdks() throws Exception {
        assertEquals(SslProvider.JDK, TlsProviders.choose(TlsProvider.JDK, java.nio.file.Path.of("gateway.yaml"))
                .provider());
        org.junit.jupiter.api.Assumptions.assumeTrue(X86_64,
                "netty-tcnative is shipped for Linux x86_64 only");
        TlsProviders.Choice auto = TlsProviders.choose(TlsProvider.AUTO, java.nio.file.Path.of("gateway.yaml"));
        assertEquals(SslProvider.OPENSSL, auto.provider());
        assertTrue(auto.description().startsWith("OpenSSL, BoringSSL"), auto.description());
    }

    /**
     * No session is resumed, with either implementation or TLS version: {@code openssl s_client} saves the session
     * of one connection and offers it on the next, which must get a full handshake (a resumed one would skip the
     * trust managers, so a certificate since expired or of a retired CA would be let back in).
     */
    @ParameterizedTest
    @EnumSource(value = SslProvider.class, names = {"JDK", "OPENSSL"})
    void noSessionIsEverResumed(SslProvider provider, @org.junit.jupiter.api.io.TempDir java.nio.file.Path dir)
            throws Exception {
        org.junit.jupiter.api.Assumptions.assumeTrue(provider == SslProvider.JDK || X86_64,
                "netty-tcnative is shipped for Linux x86_64 only");
        listen(provider);
        KeyPair kp = CertificateAuthority.newKeyPair(random);
        X509Certificate cert = ca.issueAgent(kp.getPublic(), A, "outpost.local", Duration.ofHours(1));
        java.nio.file.Files.writeString(dir.resolve("agent.crt"), dev.outpost.wire.Pem.certificates(List.of(cert)));
        java.nio.file.Files.writeString(dir.resolve("agent.key"), dev.outpost.wire.Pem.privateKey(kp.getPrivate()));
        java.nio.file.Files.writeString(dir.resolve("ca.crt"),
                dev.outpost.wire.Pem.certificates(List.of(ca.certificate())));
        for (String version : List.of("-tls1_3", "-tls1_2")) {
            java.nio.file.Path session = dir.resolve("session" + version);
            String first = sClient(dir, version, "-sess_out", session.toString());
            assertTrue(first.contains("New, TLSv1."), version + ": " + first);
            assertTrue(first.contains("Verify return code: 0 (ok)"), version + ": " + first);
            if (!java.nio.file.Files.exists(session)) {
                // No ticket and no session id issued (OpenSSL with its cache off): nothing the client could offer.
                assertEquals(SslProvider.OPENSSL, provider, version + ": the JDK's server issues a session to offer");
                continue;
            }
            String second = sClient(dir, version, "-sess_in", session.toString());
            assertTrue(second.contains("New, TLSv1."), version + ", the session offered again: " + second);
            assertTrue(!second.contains("Reused,"), version + ", the session offered again: " + second);
        }
    }

    /** {@code openssl s_client} with the agent's certificate: what it printed, after the server's answer. */
    String sClient(java.nio.file.Path dir, String... args) throws Exception {
        List<String> cmd = new java.util.ArrayList<>(List.of("openssl", "s_client", "-connect",
                "127.0.0.1:" + listener.address().getPort(), "-servername", "127.0.0.1",
                "-cert", dir.resolve("agent.crt").toString(), "-key", dir.resolve("agent.key").toString(),
                "-CAfile", dir.resolve("ca.crt").toString(), "-ign_eof"));
        cmd.addAll(List.of(args));
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        p.getOutputStream().write("GET / HTTP/1.1\r\nHost: gw\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
        p.getOutputStream().close();
        assertTrue(p.waitFor(30, java.util.concurrent.TimeUnit.SECONDS), "openssl s_client ended");
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(out.contains(provider(out) + " acme"), out);
        return out;
    }

    private static String provider(String out) {
        return out.contains("openssl acme") ? "openssl" : "jdk";
    }
}
