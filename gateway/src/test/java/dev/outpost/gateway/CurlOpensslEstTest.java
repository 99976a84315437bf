package dev.outpost.gateway;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.outpost.gateway.ca.CertificateAuthority;
import dev.outpost.gateway.cli.GatewayCli;
import dev.outpost.gateway.store.AgentRegistry;
import dev.outpost.gateway.store.Database;
import dev.outpost.wire.CaPin;
import dev.outpost.wire.Pem;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.security.cert.X509Certificate;
import java.time.Clock;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A standard EST client made of curl and openssl ({@code est/rfc7030-curl.sh}, following RFC 7030's examples)
 * against the real EST listener, with the Basic credentials exactly as {@code token create} prints them for EST
 * clients: bootstrap against the pin, csrattrs, the 401 challenge, simpleenroll, an RSA key refused, simplereenroll.
 */
class CurlOpensslEstTest {
    final Clock clock = Clock.systemUTC();
    @TempDir
    Path root;
    @TempDir
    Path work;
    CertificateAuthority ca;
    GatewayRuntime gateway;

    @BeforeEach
    void start() throws Exception {
        ca = TestGatewayDir.createCa(root, clock, new SecureRandom());
        gateway = TestGatewayDir.serve(root, Map.of(), clock);
    }

    @AfterEach
    void stop() {
        gateway.close();
    }

    @Test
    void curlAndOpensslEnrollAndReenrollAsRfc7030Shows() throws Exception {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        PrintStream print = new PrintStream(out, true, StandardCharsets.UTF_8);
        assertEquals(0, new GatewayCli(print, print, TestGatewayDir.LOOPBACK, clock).run("token", "create", "--dir",
                root.toString(), "--org", "iot", "--uses", "2"));
        Matcher est = Pattern.compile("Other EST clients \\(RFC 7030\\): \\S+ with HTTP Basic user (opt_[0-9a-f]{12}) "
                + "\\(or [0-9a-f]{12}\\) and password ([0-9a-f]{48});").matcher(out.toString());
        assertTrue(est.find(), out.toString());

        Path script = Path.of(getClass().getResource("/est/rfc7030-curl.sh").toURI());
        ProcessBuilder pb = new ProcessBuilder("bash", script.toString()).redirectErrorStream(true);
        pb.environment().put("EST", "https://127.0.0.1:" + gateway.estAddress().getPort() + "/.well-known/est");
        pb.environment().put("PIN", CaPin.of(ca.certificate()).toString());
        pb.environment().put("USER", est.group(1));
        pb.environment().put("PASSWORD", est.group(2));
        pb.environment().put("WORK", work.toString());
        Process p = pb.start();
        assertTrue(p.waitFor(120, TimeUnit.SECONDS), "the script finishes");
        String output = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertEquals(0, p.exitValue(), output);
        List<String> lines = output.lines().toList();
        assertEquals("ok: cacerts holds the pinned CA", lines.get(0), output);
        assertEquals("ok: csrattrs asks for EC P-256 and ecdsa-with-SHA256", lines.get(1), output);
        assertTrue(lines.get(2).matches("ok: enrolled as CN=a-[0-9a-f]{16},O=iot"), output);
        assertEquals("ok: RSA refused: CSR key is RSA of 3072 bits; this gateway certifies EC P-256 or EC P-384 keys "
                + "(see /.well-known/est/csrattrs)", lines.get(3), output);
        assertTrue(lines.get(4).startsWith("ok: re-enrolled with a new key, serial "), output);

        X509Certificate renewed = Pem.readCertificates(work.resolve("cert2.pem")).get(0);
        try (Database db = Database.open(root.resolve("state.db"))) {
            List<AgentRegistry.Row> agents = new AgentRegistry(db, clock).list();
            assertEquals(1, agents.size(), "one host, renewed once");
            assertEquals(renewed.getSerialNumber().toString(16), agents.get(0).serial());
        }
        assertTrue(Files.readString(work.resolve("enroll.h")).contains("\r\nDate: "), "a Date for clock checks");
    }
}
