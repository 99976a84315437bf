package dev.outpost.agent.transport;

import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.outpost.agent.tls.TlsSettings;
import io.netty.buffer.Unpooled;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.nio.NioIoHandler;
import io.netty.handler.codec.http.DefaultFullHttpRequest;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.ssl.util.InsecureTrustManagerFactory;
import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.URI;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * A server that ends the handshake at once (a fatal TLS alert, then close) makes every request fail with an
 * {@link IOException} saying so. The agent once looked up the TLS handler in the channel's pipeline after the
 * connect, and a handshake that had already failed and closed the channel left none there: a NullPointerException.
 */
class FastHandshakeFailureTest {
    /** A TLS 1.2-framed fatal alert, handshake_failure (40). */
    static final byte[] ALERT = {0x15, 0x03, 0x03, 0x00, 0x02, 0x02, 0x28};

    @Test
    void aHandshakeRefusedAtOnceIsAnIoExceptionEveryTime() throws Exception {
        EventLoopGroup group = new MultiThreadIoEventLoopGroup(1, NioIoHandler.newFactory());
        try (ServerSocket server = new ServerSocket(0, 50, InetAddress.getLoopbackAddress())) {
            Thread serving = new Thread(() -> {
                for (int i = 0; i < 100; i++) {
                    try (Socket s = server.accept()) {
                        s.getOutputStream().write(ALERT);
                    } catch (IOException e) {
                        return; // closed at the end of the test
                    }
                }
            }, "test-alerting-server");
            serving.start();
            var ctx = TlsSettings.anonymous(InsecureTrustManagerFactory.INSTANCE.getTrustManagers()[0]);
            for (int i = 0; i < 100; i++) {
                try (HttpsClient http = new HttpsClient(URI.create("https://127.0.0.1:" + server.getLocalPort()),
                        () -> ctx, group, Duration.ofSeconds(5))) {
                    IOException e = assertThrows(IOException.class, () -> http.exchange(new DefaultFullHttpRequest(
                            HttpVersion.HTTP_1_1, HttpMethod.GET, "/", Unpooled.EMPTY_BUFFER)), "attempt " + i);
                    assertTrue(e.getMessage().contains("127.0.0.1:" + server.getLocalPort()), e.getMessage());
                }
            }
            server.close();
            serving.join(5000);
        } finally {
            group.shutdownGracefully(0, 1, TimeUnit.SECONDS).syncUninterruptibly();
        }
    }
}
