package dev.outpost.gateway;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import dev.outpost.gateway.ca.AgentIdentity;
import dev.outpost.gateway.ca.CertificateAuthority;
import dev.outpost.gateway.config.GatewayConfig;
import dev.outpost.wire.Pem;
import dev.outpost.wire.SecureFiles;
import dev.outpost.wire.WireNames;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.math.BigInteger;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.time.Instant;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLSocket;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.slf4j.LoggerFactory;

/**
 * Renewal of the server certificate in a running gateway, seen from outside: the files in the gateway directory,
 * the certificate a new TLS client is shown (JDK client trusting only the CA, checking the name), and the log.
 */
class ServerCertificateRenewerTest {
    static final AgentIdentity A = new AgentIdentity("acme", "a-3f9a0c1b2d4e5f60");
    static final String NAMES = "[localhost, 127.0.0.1]";
    final SecureRandom random = new SecureRandom();
    // Far enough back that the first certificate and its renewal are both valid by the real clock the client checks.
    final MutableClock clock = new MutableClock(Instant.now().minus(Duration.ofDays(25)));
    final ListAppender<ILoggingEvent> logged = new ListAppender<>();
    final Logger log = (Logger) LoggerFactory.getLogger("outpost.gateway");
    @TempDir
    Path root;
    GatewayDir dir;
    CertificateAuthority ca;
    SSLContext client;
    GatewayRuntime gateway;

    @BeforeEach
    void setUp() throws Exception {
        ca = TestGatewayDir.createCa(root, clock, random);
        client = AgentTls.context(ca, A, Duration.ofDays(30), random);
        dir = new GatewayDir(root);
        gateway = serve();
        logged.start();
        log.addAppender(logged);
    }

    @AfterEach
    void stop() {
        log.detachAppender(logged);
        gateway.close();
    }

    @Test
    void beforeItIsDueACheckChangesNothing() throws Exception {
        byte[] cert = Files.readAllBytes(dir.serverCertificate());
        byte[] key = Files.readAllBytes(dir.serverKey());
        BigInteger serial = onDisk().getSerialNumber();
        clock.set(renewAt().minusSeconds(1));

        assertFalse(gateway.serverCertificate().check());

        assertArrayEquals(cert, Files.readAllBytes(dir.serverCertificate()));
        assertArrayEquals(key, Files.readAllBytes(dir.serverKey()));
        assertEquals(serial, presented(gateway.estAddress()));
        assertEquals(serial, presented(gateway.ingestAddress()));
        assertEquals(List.of(), certificateLog());
    }

    @Test
    void whenDueNewConnectionsGetTheNewCertificateAndOpenOnesCarryOn() throws Exception {
        X509Certificate old = onDisk();
        byte[] oldKey = Files.readAllBytes(dir.serverKey());
        try (SSLSocket open = AgentTls.connect(client, gateway.estAddress())) {
            assertEquals(old.getSerialNumber(), serial(open));
            clock.set(renewAt());

            assertTrue(gateway.serverCertificate().check());

            X509Certificate renewed = onDisk();
            assertNotEquals(old.getSerialNumber(), renewed.getSerialNumber());
            assertEquals(clock.instant().plus(ServerCertificate.VALIDITY).getEpochSecond(),
                    renewed.getNotAfter().toInstant().getEpochSecond());
            assertFalse(Arrays.equals(oldKey, Files.readAllBytes(dir.serverKey())), "a new key");
            assertEquals(SecureFiles.OWNER_ONLY, Files.getPosixFilePermissions(dir.serverKey()));
            assertEquals(renewed.getSerialNumber(), presented(gateway.estAddress()));
            assertEquals(renewed.getSerialNumber(), presented(gateway.ingestAddress()));
            assertEquals(List.of("INFO server certificate renewed for " + NAMES + ", valid until "
                    + renewed.getNotAfter().toInstant() + " (was until " + old.getNotAfter().toInstant() + ")"),
                    certificateLog());

            assertEquals("HTTP/1.1 200 OK", getCacerts(open), "the connection opened before still works");
            assertEquals(old.getSerialNumber(), serial(open));
        }
        assertFalse(gateway.serverCertificate().check(), "renewed once, not at every check");
    }

    @Test
    void aFailedRenewalKeepsTheCurrentCertificateAndTheNextCheckRetries() throws Exception {
        byte[] cert = Files.readAllBytes(dir.serverCertificate());
        BigInteger serial = onDisk().getSerialNumber();
        // Permissions make no write fail for root, who runs these tests; a directory where the new certificate's
        // temporary file goes does, and after the new key was written: the worst place to fail.
        Path tmp = dir.serverCertificate().resolveSibling(".server.crt.tmp");
        Files.createDirectories(tmp.resolve("in-the-way"));
        clock.set(renewAt());

        assertFalse(gateway.serverCertificate().check());

        assertArrayEquals(cert, Files.readAllBytes(dir.serverCertificate()));
        assertEquals(serial, presented(gateway.estAddress()));
        assertEquals(serial, presented(gateway.ingestAddress()));
        assertEquals(List.of("WARN server certificate renewal for " + NAMES + " failed: DirectoryNotEmptyException: "
                + tmp + "; still serving the current one (valid until " + onDisk().getNotAfter().toInstant()
                + "), retrying in 1h"), certificateLog());

        Files.delete(tmp.resolve("in-the-way"));
        Files.delete(tmp);
        assertTrue(gateway.serverCertificate().check());
        assertEquals(onDisk().getSerialNumber(), presented(gateway.ingestAddress()));
        assertNotEquals(serial, onDisk().getSerialNumber());
    }

    @Test
    void aKeyLeftWithoutItsCertificateIsReplacedAtTheNextStart() throws Exception {
        BigInteger serial = onDisk().getSerialNumber();
        gateway.close();
        // What a renewal cut short between the two files leaves: a new key next to the old certificate.
        SecureFiles.write(dir.serverKey(), Pem.privateKey(CertificateAuthority.newKeyPair(random).getPrivate()),
                SecureFiles.OWNER_ONLY);
        gateway = serve();

        assertNotEquals(serial, onDisk().getSerialNumber());
        assertEquals(onDisk().getSerialNumber(), presented(gateway.ingestAddress()), "a handshake succeeds");
    }

    @Test
    void nearTheEndOfTheCaACertificateEndsWithItAndIsNotReissuedInVain() throws Exception {
        Instant caEnd = ca.certificate().getNotAfter().toInstant();
        clock.set(caEnd.minus(Duration.ofDays(15)));
        assertTrue(gateway.serverCertificate().check());
        assertEquals(caEnd, onDisk().getNotAfter().toInstant(), "no later than the CA");
        byte[] cert = Files.readAllBytes(dir.serverCertificate());
        clock.set(caEnd.minus(Duration.ofDays(5)));

        assertFalse(gateway.serverCertificate().check());

        assertArrayEquals(cert, Files.readAllBytes(dir.serverCertificate()));
        List<String> lines = certificateLog();
        assertEquals("WARN server certificate for " + NAMES + " is due for renewal, but a new one would not outlast "
                + "the current one (valid until " + caEnd + "): the CA expires at " + caEnd,
                lines.get(lines.size() - 1));
    }

    GatewayRuntime serve() throws Exception {
        Map<String, String> env = new java.util.HashMap<>(TestGatewayDir.LOOPBACK);
        env.putAll(tls());
        return GatewayRuntime.start(dir, GatewayConfig.defaults(env), env, clock);
    }

    /** The TLS implementation: the default here (auto: OpenSSL on Linux x86_64); the JdkTls subclass: the JDK's. */
    Map<String, String> tls() {
        return Map.of();
    }

    X509Certificate onDisk() throws Exception {
        return Pem.readCertificates(dir.serverCertificate()).get(0);
    }

    Instant renewAt() throws Exception {
        return onDisk().getNotAfter().toInstant().minus(ServerCertificate.RENEW_BEFORE);
    }

    List<String> certificateLog() {
        return logged.list.stream().filter(e -> e.getFormattedMessage().startsWith("server certificate"))
                .map(e -> e.getLevel() + " " + e.getFormattedMessage()).toList();
    }

    static BigInteger serial(SSLSocket s) throws Exception {
        return ((X509Certificate) s.getSession().getPeerCertificates()[0]).getSerialNumber();
    }

    /** The serial of the certificate a new connection to {@code at} is shown. */
    BigInteger presented(InetSocketAddress at) throws Exception {
        try (SSLSocket s = AgentTls.connect(client, at)) {
            return serial(s);
        }
    }

    /** The status line of {@code GET cacerts} on an open EST connection. */
    static String getCacerts(SSLSocket s) throws Exception {
        String request = "GET " + WireNames.EST_BASE + WireNames.EST_CACERTS + " HTTP/1.1\r\nHost: gw\r\n\r\n";
        s.getOutputStream().write(request.getBytes(StandardCharsets.ISO_8859_1));
        s.getOutputStream().flush();
        return new BufferedReader(new InputStreamReader(s.getInputStream(), StandardCharsets.ISO_8859_1)).readLine();
    }
}
