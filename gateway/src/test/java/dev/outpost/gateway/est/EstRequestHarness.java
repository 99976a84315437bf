package dev.outpost.gateway.est;

import ch.qos.logback.classic.Level;
import dev.outpost.gateway.ca.AgentIdentity;
import dev.outpost.gateway.ca.Authorities;
import dev.outpost.gateway.ca.CertificateAuthority;
import dev.outpost.gateway.ca.PeerIdentity;
import dev.outpost.gateway.config.CaConfig;
import dev.outpost.gateway.config.EstRateLimitsConfig;
import dev.outpost.gateway.http.BoundedAggregator;
import dev.outpost.gateway.http.CanonicalHeaderNames;
import dev.outpost.gateway.http.HttpsListener;
import dev.outpost.gateway.http.Responses;
import dev.outpost.gateway.ingest.IngestStats;
import dev.outpost.gateway.ingest.LogLimiter;
import dev.outpost.gateway.store.Database;
import dev.outpost.gateway.store.Enrollments;
import dev.outpost.gateway.store.Renewals;
import dev.outpost.gateway.store.TokenHasher;
import dev.outpost.wire.EnrollmentToken;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.handler.codec.http.HttpServerCodec;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.security.cert.Certificate;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.time.Clock;
import java.time.Duration;
import java.util.Base64;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.slf4j.LoggerFactory;

/**
 * Raw bytes through the EST listener's pipeline as {@code HttpsListener} builds it behind TLS (the HTTP codec with
 * its limits, the header casing, the 16 KiB body bound, {@link EstHandler}) against a real CA and state database
 * in {@code target/}, with a client certificate of an enrolled agent for {@code simplereenroll}. {@code @TOKEN@} in
 * the input stands for the Basic credentials of a valid token, so that inputs reach the CSR checks and issuance.
 * Checks every answer: a well-formed HTTP response with a 2xx or 4xx status (never 5xx: a bug or a dead database),
 * certificates for the enrolled org only, never the token's secret (unless the request held it), and at most one
 * answer per request.
 */
final class EstRequestHarness {
    private static final Pattern STATUS = Pattern.compile("HTTP/1\\.1 (\\d{3}) ");
    private static final byte[] TOKEN = "@TOKEN@".getBytes(StandardCharsets.US_ASCII);
    private static final int MAX_ANSWER_BYTES = 64 * 1024;
    private static final Setup SETUP = Setup.create();

    private record Setup(EstHandler.Limits limits, Issuance issuance, Enrollments enrollments, Reenroll reenroll,
            FailedAuthLimiter limiter, EnrollmentToken token, byte[] credentials, X509Certificate peer) {
        static Setup create() {
            ((ch.qos.logback.classic.Logger) LoggerFactory.getLogger("outpost")).setLevel(Level.OFF);
            try {
                Path dir = Files.createTempDirectory(Files.createDirectories(Path.of("target", "fuzz")), "est");
                SecureRandom random = new SecureRandom();
                Clock clock = Clock.systemUTC();
                Database db = Database.open(dir.resolve("state.db"));
                Enrollments enrollments = new Enrollments(db, TokenHasher.loadOrCreate(dir.resolve("pepper"), random),
                        clock, random);
                CertificateAuthority ca = CertificateAuthority.generate("fuzz", Duration.ofDays(365), clock, random);
                Issuance issuance = new Issuance(() -> Authorities.single(ca), CaConfig.defaults());
                // The fuzzer's token issues a few hundred certificates, then answers "used up" without a write: each
                // issuance is a database transaction with an fsync, which would slow the fuzzer a hundredfold.
                EnrollmentToken token = enrollments.createToken("acme", 300, Duration.ofDays(30));
                byte[] credentials = Base64.getEncoder().encode((token.id() + ":" + token.secret())
                        .getBytes(StandardCharsets.US_ASCII));
                // Rates off and a failure burst no input reaches: the fuzzer explores, it does not get 429s.
                EstHandler.Limits limits = new EstHandler.Limits(new EstRateLimiter(new EstRateLimitsConfig(1, 0, 0, 0),
                        clock), new IngestStats(), new LogLimiter(clock, Duration.ofMinutes(1), 100));
                FailedAuthLimiter limiter = new FailedAuthLimiter(1_000_000, Duration.ofSeconds(1), clock);
                Reenroll reenroll = new Reenroll(issuance, new Renewals(db, clock), new Responses(clock), clock);
                var key = CertificateAuthority.newKeyPair(random);
                EnrollmentToken first = enrollments.createToken("acme", 1, Duration.ofDays(30));
                X509Certificate peer = enrollments.enroll(first.id(), first.secret(), "fuzz-1", "127.0.0.1",
                        key.getPublic(), id -> issuance.issueAgent(key.getPublic(), id)).certificate();
                return new Setup(limits, issuance, enrollments, reenroll, limiter, token, credentials, peer);
            } catch (Exception e) {
                throw new IllegalStateException("the EST fuzz harness cannot start", e);
            }
        }
    }

    private EstRequestHarness() {
    }

    static void run(byte[] input) {
        byte[] request = substitute(input, TOKEN, SETUP.credentials());
        Setup s = SETUP;
        EmbeddedChannel ch = new EmbeddedChannel(
                new HttpServerCodec(HttpsListener.MAX_INITIAL_LINE, HttpsListener.MAX_HEADER_BYTES, 8192),
                new CanonicalHeaderNames(),
                new BoundedAggregator(EstRateLimitsConfig.MAX_BODY_BYTES, LoggerFactory.getLogger("outpost.fuzz"), "EST"),
                new EstHandler(s.issuance(), s.enrollments(), new Responses(Clock.systemUTC()), s.limiter(),
                        s.reenroll(), s.limits(), ctx -> s.peer()));
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try {
            ch.writeInbound(Unpooled.wrappedBuffer(request));
            for (ByteBuf b = ch.readOutbound(); b != null; b = ch.readOutbound()) {
                check(out.size() + b.readableBytes() <= MAX_ANSWER_BYTES, "answers past " + MAX_ANSWER_BYTES + " bytes");
                b.readBytes(out, b.readableBytes());
                b.release();
            }
            ch.checkException();
        } catch (java.io.IOException e) {
            throw new AssertionError(e);
        } finally {
            ch.finishAndReleaseAll();
        }
        String text = out.toString(StandardCharsets.ISO_8859_1);
        // Unless the request held it (the fuzzer learns it from comparisons and may put it in a path that a 404
        // quotes), no answer holds the token's secret.
        check(!text.contains(s.token().secret())
                || new String(request, StandardCharsets.ISO_8859_1).contains(s.token().secret()),
                "an answer holds the token's secret");
        int answers = 0;
        for (int at = text.indexOf("HTTP/1.1 "); at >= 0; at = text.indexOf("HTTP/1.1 ", at + 1)) {
            Matcher m = STATUS.matcher(text).region(at, text.length());
            if (!m.lookingAt()) {
                continue; // "HTTP/1.1 " inside a body (a refusal quoting a path)
            }
            int status = Integer.parseInt(m.group(1));
            check(status / 100 == 2 || status / 100 == 4, "answered " + status + ":\n" + text);
            int headersEnd = text.indexOf("\r\n\r\n", at);
            check(headersEnd > 0, "an answer without the end of its headers: " + text);
            Matcher length = Pattern.compile("\r\nContent-Length: (\\d+)\r\n").matcher(text.substring(at, headersEnd + 2));
            check(length.find(), "an answer without Content-Length: " + text);
            String body = text.substring(headersEnd + 4, Math.min(text.length(),
                    headersEnd + 4 + Integer.parseInt(length.group(1))));
            if (status == 200 && text.substring(at, headersEnd).contains("smime-type=certs-only")) {
                certificates(body);
            }
            answers++;
            at = headersEnd;
        }
        check(answers <= requests(request), answers + " answers to " + requests(request) + " requests");
    }

    /** A 200 with certificates: the CA's, or one agent certificate of the token's org. */
    private static void certificates(String body) {
        try {
            byte[] der = Base64.getMimeDecoder().decode(body);
            for (Certificate c : CertificateFactory.getInstance("X.509").generateCertificates(
                    new ByteArrayInputStream(der))) {
                X509Certificate x = (X509Certificate) c;
                AgentIdentity id = PeerIdentity.of(x);
                check(id == null || id.org().equals("acme"), "a certificate for org " + (id == null ? null : id.org()));
            }
        } catch (java.security.cert.CertificateException | IllegalArgumentException e) {
            throw new AssertionError("a 200 whose certificates do not parse", e);
        }
    }

    /** An upper bound on the requests in the bytes: their request lines. */
    private static int requests(byte[] request) {
        int n = 1;
        for (int i = 0; i + 1 < request.length; i++) {
            if (request[i] == '\n') {
                n++;
            }
        }
        return n;
    }

    static byte[] substitute(byte[] input, byte[] what, byte[] with) {
        ByteArrayOutputStream out = new ByteArrayOutputStream(input.length + 64);
        int i = 0;
        while (i < input.length) {
            if (i + what.length <= input.length
                    && java.util.Arrays.equals(input, i, i + what.length, what, 0, what.length)) {
                out.write(with, 0, with.length);
                i += what.length;
            } else {
                out.write(input[i++]);
            }
        }
        return out.toByteArray();
    }

    private static void check(boolean ok, String what) {
        if (!ok) {
            throw new AssertionError(what);
        }
    }

}
