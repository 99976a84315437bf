package dev.outpost.agent.tls;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.outpost.agent.transport.HttpsClient;
import dev.outpost.agent.transport.Request;
import dev.outpost.wire.CaPin;
import dev.outpost.wire.EcKeys;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetAddress;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.security.KeyPair;
import java.security.KeyStore;
import java.security.SecureRandom;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLServerSocket;
import javax.net.ssl.SSLSocket;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * The agent's TLS trust against a real TLS server presenting the chains of a CA rollover: after the switch the new
 * CA's server certificate with the link to the old CA verifies for an agent that trusts either; after retirement an
 * agent that trusts only the old CA is told which CA the gateway presented and what to do.
 */
class BundleTrustTlsTest {
    final RolloverCas cas;
    final KeyPair agentKey = EcKeys.generate(new SecureRandom());
    SSLServerSocket server;
    Thread serving;

    BundleTrustTlsTest() throws Exception {
        cas = new RolloverCas();
    }

    @AfterEach
    void stop() throws Exception {
        if (server != null) {
            server.close();
            serving.join(5000);
        }
    }

    /**
     * Serves HTTPS on 127.0.0.1 with {@code chain}, whose first element is replaced by a server certificate for
     * {@code name} issued by it: every request gets "HTTP/1.1 204".
     */
    void serve(String name, X509Certificate... chain) throws Exception {
        KeyPair key = EcKeys.generate(new SecureRandom());
        X509Certificate[] full = chain.clone();
        full[0] = cas.server(key, chain[0], name);
        KeyStore ks = KeyStore.getInstance("PKCS12");
        ks.load(null, null);
        ks.setKeyEntry("server", key.getPrivate(), "t".toCharArray(), full);
        KeyManagerFactory kmf = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
        kmf.init(ks, "t".toCharArray());
        SSLContext ctx = SSLContext.getInstance("TLSv1.3");
        ctx.init(kmf.getKeyManagers(), null, new SecureRandom());
        server = (SSLServerSocket) ctx.getServerSocketFactory().createServerSocket(0, 5, InetAddress.getLoopbackAddress());
        serving = new Thread(() -> {
            for (int i = 0; i < 20 && !server.isClosed(); i++) {
                try (SSLSocket s = (SSLSocket) server.accept()) {
                    s.setSoTimeout(10_000);
                    InputStream in = s.getInputStream();
                    int matched = 0;
                    while (matched < 4) { // to the end of the request head
                        int c = in.read();
                        if (c < 0) {
                            break;
                        }
                        matched = (c == '\r' || c == '\n') ? matched + 1 : 0;
                    }
                    s.getOutputStream().write("HTTP/1.1 204 No Content\r\nContent-Length: 0\r\nConnection: close\r\n\r\n"
                            .getBytes(StandardCharsets.US_ASCII));
                } catch (IOException e) {
                    // the client refused the handshake, or the server socket was closed: next one
                }
            }
        }, "test-tls-server");
        serving.start();
    }

    /** One request from an agent that trusts {@code trusted}; the status it got. */
    int request(List<X509Certificate> trusted) throws Exception {
        return request("127.0.0.1", trusted);
    }

    /** One request to {@code host} from an agent that trusts {@code trusted}; the status it got. */
    int request(String host, List<X509Certificate> trusted) throws Exception {
        X509Certificate own = new TestCa().issue(agentKey.getPublic(), "a-0000000000000001", "acme",
                Instant.now().minusSeconds(60), Instant.now().plusSeconds(3600));
        var ctx = TlsSettings.client(agentKey.getPrivate(), List.of(own), trusted);
        try (HttpsClient http = new HttpsClient(URI.create("https://" + host + ":" + server.getLocalPort()), () -> ctx,
                Duration.ofSeconds(10))) {
            return http.exchange(Request.get("/")).status();
        }
    }

    @Test
    void afterTheSwitchTheLinkLetsAnAgentOfEitherCaVerifyTheGateway() throws Exception {
        serve("127.0.0.1", cas.fresh, cas.newWithOld, cas.old);
        assertEquals(204, request(List.of(cas.old)), "an agent that has not fetched the new bundle yet");
        assertEquals(204, request(List.of(cas.fresh)), "an agent enrolled with the new pin");
        assertEquals(204, request(List.of(cas.old, cas.fresh)), "an agent that follows the rollover");
    }

    @Test
    void afterTheSwitchEitherPinStillEnrolls() throws Exception {
        serve("127.0.0.1", cas.fresh, cas.newWithOld, cas.old);
        for (X509Certificate pinned : List.of(cas.old, cas.fresh)) {
            var ctx = TlsSettings.anonymous(new PinnedCaTrustManager(CaPin.of(pinned)));
            try (HttpsClient http = new HttpsClient(URI.create("https://127.0.0.1:" + server.getLocalPort()),
                    () -> ctx, Duration.ofSeconds(10))) {
                assertEquals(204, http.exchange(Request.get("/")).status(),
                        "the pin of " + pinned.getSubjectX500Principal());
            }
        }
    }

    @Test
    void anAgentThatMissedTheWholeRolloverIsToldWhatToDo() throws Exception {
        serve("127.0.0.1", cas.fresh, cas.fresh);
        assertEquals(204, request(List.of(cas.fresh)));
        IOException e = assertThrows(IOException.class, () -> request(List.of(cas.old)));
        assertTrue(TlsSettings.untrustedGateway(e), e.toString());
        assertTrue(e.getMessage().contains("the gateway presented CA " + CaPin.of(cas.fresh) + " (\""
                + cas.fresh.getSubjectX500Principal().getName() + "\"), and this agent trusts only "
                + CaPin.of(cas.old) + ". If the gateway's CA was replaced (a CA rollover completed while this host was "
                + "off, or a new gateway), enroll this host again with a new token and the gateway's current pin "
                + "(`outpost-gateway pin`)"), e.getMessage());
    }

    @Test
    void aNameMismatchIsNotMistakenForAnotherCa() throws Exception {
        serve("10.0.0.9", cas.old, cas.old); // the right CA, another name
        IOException e = assertThrows(IOException.class, () -> request(List.of(cas.old)));
        assertFalse(TlsSettings.untrustedGateway(e), e.toString());
        assertTrue(e.getMessage().contains("the gateway's certificate is for 10.0.0.9, not for 127.0.0.1, the host "
                + "this agent was given"), e.getMessage());
    }

    @Test
    void aGatewayReachedByItsDnsNameIsVerifiedByThatName() throws Exception {
        serve("localhost", cas.old, cas.old);
        assertEquals(204, request("localhost", List.of(cas.old)));
        IOException e = assertThrows(IOException.class, () -> request("127.0.0.1", List.of(cas.old)));
        assertTrue(e.getMessage().contains("the gateway's certificate is for localhost, not for 127.0.0.1"),
                e.getMessage());
    }
}
