package dev.outpost.e2e;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.security.KeyStore;
import java.security.PrivateKey;
import java.security.cert.X509Certificate;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLParameters;
import javax.net.ssl.SSLSocket;
import javax.net.ssl.TrustManagerFactory;

/** Raw HTTP over TLS with a chosen client certificate (or none), to put exact bytes on the wire. */
final class MtlsSocket {
    private MtlsSocket() {
    }

    static SSLContext context(PrivateKey key, X509Certificate cert, X509Certificate trusted) throws Exception {
        KeyStore trust = KeyStore.getInstance("PKCS12");
        trust.load(null, null);
        trust.setCertificateEntry("ca", trusted);
        TrustManagerFactory tmf = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
        tmf.init(trust);
        KeyManagerFactory kmf = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
        KeyStore keys = KeyStore.getInstance("PKCS12");
        keys.load(null, null);
        if (key != null) {
            keys.setKeyEntry("me", key, new char[0], new X509Certificate[] {cert});
        }
        kmf.init(keys, new char[0]);
        SSLContext ctx = SSLContext.getInstance("TLSv1.3");
        ctx.init(kmf.getKeyManagers(), tmf.getTrustManagers(), null);
        return ctx;
    }

    /** Sends {@code head} then {@code body}; returns everything the server sent back before closing (bounded). */
    static byte[] exchange(SSLContext ctx, int port, String head, byte[] body) throws IOException {
        try (SSLSocket s = (SSLSocket) ctx.getSocketFactory().createSocket("127.0.0.1", port)) {
            SSLParameters p = s.getSSLParameters();
            p.setEndpointIdentificationAlgorithm("HTTPS");
            s.setSSLParameters(p);
            s.setSoTimeout(15_000);
            s.getOutputStream().write(head.getBytes(StandardCharsets.ISO_8859_1));
            s.getOutputStream().write(body);
            s.getOutputStream().flush();
            return readResponse(s.getInputStream());
        }
    }

    /** Reads one HTTP response (headers plus Content-Length body) or until EOF, at most 1 MiB. */
    static byte[] readResponse(InputStream in) throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        byte[] buf = new byte[8192];
        int contentLength = -1;
        int headerEnd = -1;
        while (out.size() < (1 << 20)) {
            int n = in.read(buf);
            if (n < 0) {
                break;
            }
            out.write(buf, 0, n);
            String text = out.toString(StandardCharsets.ISO_8859_1);
            if (headerEnd < 0 && (headerEnd = text.indexOf("\r\n\r\n")) >= 0) {
                var m = java.util.regex.Pattern.compile("(?i)content-length: (\\d+)").matcher(text.substring(0, headerEnd));
                contentLength = m.find() ? Integer.parseInt(m.group(1)) : -1;
            }
            if (headerEnd >= 0 && contentLength >= 0 && out.size() >= headerEnd + 4 + contentLength) {
                break;
            }
        }
        return out.toByteArray();
    }

    /** Plain TCP: what a non-TLS client gets back. */
    static byte[] plain(int port, String request) throws IOException {
        try (Socket s = new Socket("127.0.0.1", port)) {
            s.setSoTimeout(15_000);
            s.getOutputStream().write(request.getBytes(StandardCharsets.ISO_8859_1));
            s.getOutputStream().flush();
            try {
                return readResponse(s.getInputStream());
            } catch (java.net.SocketException e) {
                return new byte[0];
            }
        }
    }
}
