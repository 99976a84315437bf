package dev.outpost.agent.tls;

import java.io.IOException;
import java.net.Socket;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Set;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLParameters;
import javax.net.ssl.SSLSocket;
import javax.net.ssl.SSLSocketFactory;

/**
 * One TLS client configuration of the agent (see {@link TlsSettings}): a JDK {@link SSLContext} with the key and
 * trust it was built with, and the protocol versions, suites and hostname verification every connection made with
 * it uses. Immutable; a renewed certificate or a new trust bundle is a new object, so identity tells whether a
 * connection was made with the current one.
 */
public final class ClientTls {
    private final SSLContext context;
    private final SSLSocketFactory factory;
    private final String[] protocols;
    private final String[] suites;

    ClientTls(SSLContext context, List<String> protocols, List<String> suites) {
        this.context = context;
        this.factory = context.getSocketFactory();
        Set<String> supported = Set.of(context.getSupportedSSLParameters().getCipherSuites());
        this.protocols = protocols.toArray(String[]::new);
        List<String> usable = new ArrayList<>(suites.size());
        for (String suite : suites) {
            if (supported.contains(suite)) {
                usable.add(suite);
            }
        }
        this.suites = usable.toArray(new String[0]);
        if (this.suites.length == 0) {
            throw new IllegalStateException("this JRE supports none of the cipher suites " + suites);
        }
    }

    /** The JDK context (for tests that handshake with it directly). */
    public SSLContext context() {
        return context;
    }

    /** The protocol versions offered, most preferred first. */
    public List<String> protocols() {
        return List.of(protocols);
    }

    /** The cipher suites offered. */
    public List<String> cipherSuites() {
        return Arrays.asList(suites.clone());
    }

    /**
     * TLS, client side, over {@code connected} (closed with it) to {@code host}: SNI for a host name, the
     * certificate verified for {@code host}, this configuration's versions and suites. The handshake is left to the
     * caller ({@link SSLSocket#startHandshake()}).
     *
     * <p>The name is verified by the context's trust manager ({@link ServerTrust}, the only kind {@link TlsSettings}
     * builds contexts with), against the host this socket was made for; the JDK's own check (endpoint identification
     * "HTTPS") is off. That check looks the chain's anchor up among the JRE's public CAs, which makes the JDK parse
     * and keep all of {@code cacerts} (some 140 certificates: about 100 ms of CPU at the first handshake and 1 MB of
     * heap for the process's life) for a CA the agent never trusts.
     */
    public SSLSocket layer(Socket connected, String host, int port) throws IOException {
        SSLSocket s = (SSLSocket) factory.createSocket(connected, host, port, true);
        s.setUseClientMode(true);
        SSLParameters p = s.getSSLParameters(); // holds the SNI name createSocket derived from host
        p.setProtocols(protocols);
        p.setCipherSuites(suites);
        p.setEndpointIdentificationAlgorithm(null);
        s.setSSLParameters(p);
        return s;
    }
}
