package dev.outpost.bench;

import io.netty.handler.ssl.SslHandler;
import java.net.Socket;
import java.security.KeyStore;
import java.security.Principal;
import java.security.PrivateKey;
import java.security.cert.X509Certificate;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import javax.net.ssl.KeyManager;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.TrustManagerFactory;
import javax.net.ssl.X509ExtendedKeyManager;

/**
 * The simulated agents' client TLS: one SSLContext for all of them, each connection presenting its own agent's key
 * and certificate (picked by its engine), trusting the gateway's CA bundle. Shared by the fleet and cluster
 * benchmarks.
 */
final class AgentTls {
    private final List<FleetAgents.Agent> agents;
    private final Map<SSLEngine, Integer> engines = new ConcurrentHashMap<>();
    private final SSLContext ssl;

    AgentTls(List<FleetAgents.Agent> agents, List<X509Certificate> trust) throws Exception {
        this.agents = agents;
        KeyStore ts = KeyStore.getInstance("PKCS12");
        ts.load(null, null);
        for (int i = 0; i < trust.size(); i++) {
            ts.setCertificateEntry("ca" + i, trust.get(i));
        }
        TrustManagerFactory tmf = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
        tmf.init(ts);
        this.ssl = SSLContext.getInstance("TLS");
        ssl.init(new KeyManager[] {new Keys()}, tmf.getTrustManagers(), null);
    }

    /** A client TLS handler presenting agent {@code agent}'s certificate; {@link #done} once its handshake ended. */
    SslHandler handler(int agent, long handshakeTimeoutMillis) {
        SSLEngine engine = ssl.createSSLEngine();
        engine.setUseClientMode(true);
        engines.put(engine, agent);
        SslHandler tls = new SslHandler(engine);
        tls.setHandshakeTimeoutMillis(handshakeTimeoutMillis);
        return tls;
    }

    /** Forgets the handler's agent: its handshake is over (or its connection failed before one). */
    void done(SslHandler tls) {
        engines.remove(tls.engine());
    }

    /** Picks each connection's agent key by its engine. */
    private final class Keys extends X509ExtendedKeyManager {
        @Override
        public String chooseEngineClientAlias(String[] keyType, Principal[] issuers, SSLEngine engine) {
            Integer i = engines.get(engine);
            return i == null ? null : Integer.toString(i);
        }

        @Override
        public String chooseClientAlias(String[] keyType, Principal[] issuers, Socket socket) {
            return null;
        }

        @Override
        public String[] getClientAliases(String keyType, Principal[] issuers) {
            return null;
        }

        @Override
        public String[] getServerAliases(String keyType, Principal[] issuers) {
            return null;
        }

        @Override
        public String chooseServerAlias(String keyType, Principal[] issuers, Socket socket) {
            return null;
        }

        @Override
        public X509Certificate[] getCertificateChain(String alias) {
            return new X509Certificate[] {agents.get(Integer.parseInt(alias)).cert()};
        }

        @Override
        public PrivateKey getPrivateKey(String alias) {
            return agents.get(Integer.parseInt(alias)).key();
        }
    }
}
