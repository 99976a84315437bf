package dev.outpost.bench;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileStore;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.security.KeyFactory;
import java.security.KeyStore;
import java.security.PrivateKey;
import java.security.cert.Certificate;
import java.security.cert.CertificateFactory;
import java.security.spec.PKCS8EncodedKeySpec;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.zip.GZIPOutputStream;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLParameters;
import javax.net.ssl.SSLSocket;
import javax.net.ssl.TrustManagerFactory;

/**
 * The floor for bench/footprint.sh: the least a JVM must do for the agent's job, with nothing but java.base and
 * no error handling beyond a reconnect. Every interval it reads the /proc files the agent reads and the
 * local filesystems' sizes, gzips them, writes the batch to a file with fsync (the agent's disk queue does too), and
 * POSTs it over one kept-alive mTLS (TLS 1.3) connection with the agent's enrolled key and certificate, trusting
 * the agent's pinned CA, to the ingest URL as an OTLP request the gateway accepts (200) and stores nothing of. Run by the agent's launcher (the same JVM flags and class-data
 * archive) as {@code outpost-agent run --config agent.yaml}: it reads only {@code ingest_url}, {@code state_dir} and
 * {@code interval} (in seconds, "10s") from the file. Not part of the agent; a measurement tool.
 */
public final class JvmFloor {
    private static final String[] PROC = {"/proc/stat", "/proc/meminfo", "/proc/vmstat", "/proc/loadavg",
        "/proc/uptime", "/proc/diskstats", "/proc/net/dev", "/proc/net/snmp", "/proc/net/tcp", "/proc/net/tcp6",
        "/proc/self/mounts", "/proc/swaps"};

    private JvmFloor() {
    }

    public static void main(String[] args) throws Exception {
        if (args.length == 1 && ("--help".equals(args[0]) || "-h".equals(args[0]))) {
            System.out.println("usage: JvmFloor run --config AGENT_YAML: the JVM floor of bench/footprint.sh (see there)");
            return;
        }
        if (args.length != 3 || !"run".equals(args[0]) || !"--config".equals(args[1])) {
            System.err.println("usage: JvmFloor run --config AGENT_YAML (bench/footprint.sh runs it)");
            System.exit(64);
        }
        String ingest = null;
        String state = null;
        long interval = 10;
        for (String line : Files.readAllLines(Path.of(args[2]))) {
            String v = line.contains(":") ? line.substring(line.indexOf(':') + 1).trim().replace("'", "") : "";
            if (line.startsWith("ingest_url:")) {
                ingest = v;
            } else if (line.startsWith("state_dir:")) {
                state = v;
            } else if (line.startsWith("interval:")) {
                interval = Long.parseLong(v.replace("s", ""));
            }
        }
        if (ingest == null || state == null) {
            System.err.println(args[2] + ": needs ingest_url and state_dir");
            System.exit(78);
        }
        URI uri = URI.create(ingest);
        Path dir = Path.of(state);
        SSLContext tls = context(dir);
        byte[] buf = new byte[1 << 16];
        SSLSocket socket = null;
        System.out.println("jvm-floor: every " + interval + "s to " + uri.getHost() + ":" + uri.getPort());
        long next = System.currentTimeMillis();
        while (true) {
            byte[] body = collect(buf);
            try (FileChannel f = FileChannel.open(dir.resolve("floor-batch"), StandardOpenOption.CREATE,
                    StandardOpenOption.WRITE, StandardOpenOption.TRUNCATE_EXISTING)) {
                f.write(ByteBuffer.wrap(body));
                f.force(true);
            }
            try {
                if (socket == null) {
                    socket = connect(tls, uri);
                }
                post(socket, uri, body, buf);
            } catch (IOException e) {
                System.err.println("jvm-floor: " + e);
                if (socket != null) {
                    socket.close();
                }
                socket = null;
            }
            next += interval * 1000;
            Thread.sleep(Math.max(0, next - System.currentTimeMillis()));
        }
    }

    private static byte[] collect(byte[] buf) throws IOException {
        ByteArrayOutputStream raw = new ByteArrayOutputStream(1 << 15);
        for (String p : PROC) {
            try (InputStream in = Files.newInputStream(Path.of(p))) {
                for (int n = in.read(buf); n > 0; n = in.read(buf)) {
                    raw.write(buf, 0, n);
                }
            } catch (IOException e) {
                // absent on this host (e.g. no IPv6): skip, as the agent does
            }
        }
        for (String line : new String(Files.readAllBytes(Path.of("/proc/self/mounts")), StandardCharsets.UTF_8)
                .split("\n")) {
            String[] f = line.split(" ");
            if (f.length > 2 && f[0].startsWith("/dev/")) {
                FileStore s = Files.getFileStore(Path.of(f[1]));
                raw.write((f[1] + " " + s.getTotalSpace() + " " + s.getUsableSpace() + "\n")
                        .getBytes(StandardCharsets.UTF_8));
            }
        }
        // An OTLP ExportMetricsServiceRequest holding the text as one unknown field (number 15): the gateway
        // parses, skips and stores nothing, and answers 200 on a kept-alive connection.
        ByteArrayOutputStream gz = new ByteArrayOutputStream(1 << 13);
        try (GZIPOutputStream out = new GZIPOutputStream(gz)) {
            out.write((15 << 3) | 2);
            for (int n = raw.size(); ; n >>>= 7) {
                if (n < 0x80) {
                    out.write(n);
                    break;
                }
                out.write((n & 0x7f) | 0x80);
            }
            raw.writeTo(out);
        }
        return gz.toByteArray();
    }

    private static SSLSocket connect(SSLContext tls, URI uri) throws IOException {
        SSLSocket s = (SSLSocket) tls.getSocketFactory().createSocket();
        s.connect(new InetSocketAddress(uri.getHost(), uri.getPort()), 10_000);
        s.setSoTimeout(10_000);
        s.setTcpNoDelay(true);
        SSLParameters p = s.getSSLParameters();
        p.setProtocols(new String[] {"TLSv1.3"});
        p.setEndpointIdentificationAlgorithm("HTTPS");
        s.setSSLParameters(p);
        s.startHandshake();
        return s;
    }

    /** One POST and its whole response (Content-Length bodies only: the gateway's). */
    private static void post(SSLSocket s, URI uri, byte[] body, byte[] buf) throws IOException {
        OutputStream out = s.getOutputStream();
        String head = "POST " + uri.getRawPath() + " HTTP/1.1\r\nHost: " + uri.getHost() + ":" + uri.getPort()
                + "\r\nContent-Type: application/x-protobuf\r\nContent-Encoding: gzip\r\nContent-Length: "
                + body.length + "\r\n\r\n";
        out.write(head.getBytes(StandardCharsets.US_ASCII));
        out.write(body);
        out.flush();
        InputStream in = s.getInputStream();
        StringBuilder headers = new StringBuilder();
        while (headers.length() < 16384 && !(headers.length() >= 4 && headers.lastIndexOf("\r\n\r\n") == headers.length() - 4)) {
            int c = in.read();
            if (c < 0) {
                throw new IOException("connection closed");
            }
            headers.append((char) c);
        }
        if (!headers.toString().startsWith("HTTP/1.1 2")) {
            System.err.println("jvm-floor: " + headers.toString().split("\r\n", 2)[0]);
        }
        long length = 0;
        for (String line : headers.toString().split("\r\n")) {
            if (line.regionMatches(true, 0, "content-length:", 0, 15)) {
                length = Long.parseLong(line.substring(15).trim());
            }
        }
        while (length > 0) {
            int n = in.read(buf, 0, (int) Math.min(buf.length, length));
            if (n < 0) {
                throw new IOException("connection closed");
            }
            length -= n;
        }
    }

    private static SSLContext context(Path dir) throws Exception {
        CertificateFactory x509 = CertificateFactory.getInstance("X.509");
        List<Certificate> chain = new ArrayList<>();
        try (InputStream in = Files.newInputStream(dir.resolve("agent.crt"))) {
            chain.addAll(x509.generateCertificates(in));
        }
        String pem = Files.readString(dir.resolve("agent.key"));
        byte[] der = Base64.getMimeDecoder().decode(pem.replaceAll("-----[A-Z ]+-----", ""));
        PrivateKey key = null;
        for (String alg : new String[] {"EC", "Ed25519", "RSA"}) {
            try {
                key = KeyFactory.getInstance(alg).generatePrivate(new PKCS8EncodedKeySpec(der));
                break;
            } catch (java.security.spec.InvalidKeySpecException e) {
                // try the next algorithm
            }
        }
        char[] none = new char[0];
        KeyStore keys = KeyStore.getInstance("PKCS12");
        keys.load(null, none);
        keys.setKeyEntry("agent", key, none, chain.toArray(new Certificate[0]));
        KeyManagerFactory kmf = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
        kmf.init(keys, none);
        KeyStore trust = KeyStore.getInstance("PKCS12");
        trust.load(null, none);
        try (InputStream in = Files.newInputStream(dir.resolve("ca.crt"))) {
            int i = 0;
            for (Certificate c : x509.generateCertificates(in)) {
                trust.setCertificateEntry("ca" + i++, c);
            }
        }
        TrustManagerFactory tmf = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
        tmf.init(trust);
        SSLContext ctx = SSLContext.getInstance("TLS");
        ctx.init(kmf.getKeyManagers(), tmf.getTrustManagers(), null);
        return ctx;
    }
}
