package dev.outpost.gateway.est;

import dev.outpost.gateway.MutableClock;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.outpost.gateway.ca.Authorities;
import dev.outpost.gateway.ca.CertificateAuthority;
import dev.outpost.gateway.ca.KeyType;
import dev.outpost.gateway.config.CaConfig;
import dev.outpost.gateway.config.EstRateLimitsConfig;
import dev.outpost.gateway.ingest.IngestStats;
import dev.outpost.gateway.ingest.LogLimiter;
import dev.outpost.gateway.config.SameKeyRenewal;
import dev.outpost.gateway.http.BoundedAggregator;
import dev.outpost.gateway.http.CanonicalHeaderNames;
import dev.outpost.gateway.http.Responses;
import dev.outpost.gateway.store.AuditEntry;
import dev.outpost.gateway.store.AuditEvent;
import dev.outpost.gateway.store.AuditLog;
import dev.outpost.gateway.store.Database;
import dev.outpost.gateway.store.TokenAdmin;
import dev.outpost.gateway.store.Enrollments;
import dev.outpost.gateway.store.Renewals;
import dev.outpost.gateway.store.TokenHasher;
import dev.outpost.wire.EnrollmentToken;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.handler.codec.http.HttpServerCodec;
import java.io.ByteArrayInputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.security.KeyPair;
import java.security.SecureRandom;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.operator.jcajce.JcaContentSignerBuilder;
import org.bouncycastle.pkcs.jcajce.JcaPKCS10CertificationRequestBuilder;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.slf4j.LoggerFactory;

/** Raw HTTP bytes in, raw HTTP bytes out, through the codec, the size bound and the EST handler. */
class EstHandlerTest {
    @TempDir
    Path dir;
    final SecureRandom random = new SecureRandom();
    Database db;
    Enrollments enrollments;
    CertificateAuthority ca;
    final MutableClock fake = new MutableClock(java.time.Instant.parse("2026-11-22T10:00:00Z"));
    /** The TLS client certificate the handler sees (EmbeddedChannel has no TLS). */
    X509Certificate peer;
    final FailedAuthLimiter limiter = new FailedAuthLimiter(5, Duration.ofSeconds(10), fake);

    @BeforeEach
    void setUp() throws Exception {
        db = Database.open(dir.resolve("state.db"));
        enrollments = new Enrollments(db, TokenHasher.loadOrCreate(dir.resolve("pepper"), random), Clock.systemUTC(),
                random);
        ca = CertificateAuthority.generate("t", Duration.ofDays(365), Clock.systemUTC(), random);
    }

    @AfterEach
    void tearDown() throws Exception {
        db.close();
    }

    /** The {@code ca} section the handler works with; tests change it before their first exchange. */
    CaConfig policy = CaConfig.defaults();

    Issuance issuance() {
        return new Issuance(() -> Authorities.single(ca), policy);
    }

    String exchange(String request) {
        return exchange(request.getBytes(StandardCharsets.ISO_8859_1));
    }

    /** The EST rate limits; tests change them before their first exchange. */
    EstRateLimitsConfig rates = EstRateLimitsConfig.defaults();
    final IngestStats stats = new IngestStats();
    EstHandler.Limits limits;

    String exchange(byte[] request) {
        if (limits == null) {
            limits = new EstHandler.Limits(new EstRateLimiter(rates, fake), stats,
                    new LogLimiter(fake, Duration.ofMinutes(1), 100));
        }
        EmbeddedChannel ch = new EmbeddedChannel(new HttpServerCodec(4096, 8192, 8192), new CanonicalHeaderNames(),
                new BoundedAggregator(16 * 1024, LoggerFactory.getLogger("test"), "EST"),
                new EstHandler(issuance(), enrollments, new Responses(Clock.systemUTC()), limiter,
                        new Reenroll(issuance(), new Renewals(db, renewalClock,
                                policy.sameKeyRenewal() == SameKeyRenewal.ALLOW), new Responses(renewalClock),
                                renewalClock), limits, ctx -> peer));
        ch.writeInbound(Unpooled.wrappedBuffer(request));
        StringBuilder out = new StringBuilder();
        for (ByteBuf b = ch.readOutbound(); b != null; b = ch.readOutbound()) {
            out.append(b.toString(StandardCharsets.UTF_8));
            b.release();
        }
        ch.finishAndReleaseAll();
        return out.toString();
    }

    static String body(String response) {
        return response.substring(response.indexOf("\r\n\r\n") + 4);
    }

    static List<X509Certificate> certs(String response) throws Exception {
        byte[] der = Base64.getMimeDecoder().decode(body(response));
        List<X509Certificate> out = new ArrayList<>();
        for (var c : CertificateFactory.getInstance("X.509").generateCertificates(new ByteArrayInputStream(der))) {
            out.add((X509Certificate) c);
        }
        return out;
    }

    String enrollRequest(String auth, String csrBase64, String type) {
        return "POST /.well-known/est/simpleenroll HTTP/1.1\r\nHost: gw\r\nContent-Type: " + type + "\r\n"
                + (auth == null ? "" : "Authorization: " + auth + "\r\n")
                + "Content-Length: " + csrBase64.length() + "\r\n\r\n" + csrBase64;
    }

    String csr() throws Exception {
        KeyPair kp = CertificateAuthority.newKeyPair(random);
        byte[] der = new JcaPKCS10CertificationRequestBuilder(new X500Name("CN=web-1"), kp.getPublic())
                .build(new JcaContentSignerBuilder("SHA256withECDSA").build(kp.getPrivate())).getEncoded();
        return Base64.getMimeEncoder().encodeToString(der);
    }

    static String basic(EnrollmentToken t) {
        return "Basic " + Base64.getEncoder().encodeToString((t.id() + ":" + t.secret()).getBytes(StandardCharsets.UTF_8));
    }

    @Test
    void cacertsIsABase64Pkcs7WithTheCa() throws Exception {
        String r = exchange("GET /.well-known/est/cacerts HTTP/1.1\r\nHost: gw\r\n\r\n");
        assertTrue(r.startsWith("HTTP/1.1 200 OK\r\n"), r);
        assertTrue(r.contains("Content-Type: application/pkcs7-mime; smime-type=certs-only\r\n"), r);
        assertTrue(r.contains("Content-Transfer-Encoding: base64\r\n"), r);
        assertTrue(r.contains("Date: "), "Date header for clock-skew checks");
        assertEquals(List.of(ca.certificate()), certs(r));
        // RFC 7030 section 3.2.2: an optional CA label
        assertEquals(List.of(ca.certificate()), certs(exchange("GET /.well-known/est/outpost/cacerts HTTP/1.1\r\n\r\n")));
    }

    @Test
    void cacertsAnswersTheNewBundleAfterTheCaChanges() throws Exception {
        String cacerts = "GET /.well-known/est/cacerts HTTP/1.1\r\nHost: gw\r\n\r\n";
        CertificateAuthority first = ca;
        assertEquals(List.of(first.certificate()), certs(exchange(cacerts)));
        assertEquals(List.of(first.certificate()), certs(exchange(cacerts)), "the same bundle again");
        ca = CertificateAuthority.generate("t2", Duration.ofDays(365), Clock.systemUTC(), random);
        assertEquals(List.of(ca.certificate()), certs(exchange(cacerts)), "the body is not kept past a change");
    }

    @Test
    void enrollWithATokenIssuesACertificateForTheCsrKey() throws Exception {
        EnrollmentToken t = enrollments.createToken("acme", 1, Duration.ofHours(1));
        String r = exchange(enrollRequest(basic(t), csr(), "application/pkcs10"));
        assertTrue(r.startsWith("HTTP/1.1 200 OK\r\n"), r);
        X509Certificate cert = certs(r).get(0);
        cert.verify(ca.certificate().getPublicKey());
        assertTrue(cert.getSubjectX500Principal().getName().matches("CN=a-[0-9a-f]{16},O=acme"));
    }

    @Test
    void noCredentialsGetABasicChallenge() throws Exception {
        String r = exchange(enrollRequest(null, csr(), "application/pkcs10"));
        assertTrue(r.startsWith("HTTP/1.1 401 Unauthorized\r\n"), r);
        assertTrue(r.contains("WWW-Authenticate: Basic realm=\"outpost-est\", charset=\"UTF-8\"\r\n"), r);
        assertTrue(r.contains("Content-Length: 0\r\n") && body(r).isEmpty(), "a challenge without a body, which "
                + "Bouncy Castle's EST client needs: " + r);
    }

    @Test
    void usedUpTokenGets401AndBadCsrGets400SayingWhy() throws Exception {
        EnrollmentToken t = enrollments.createToken("acme", 1, Duration.ofHours(1));
        exchange(enrollRequest(basic(t), csr(), "application/pkcs10"));
        String again = exchange(enrollRequest(basic(t), csr(), "application/pkcs10"));
        assertTrue(again.startsWith("HTTP/1.1 401 Unauthorized\r\n"), again);
        assertTrue(body(again).startsWith("token " + t + " is used up"), again);
        assertFalse(again.contains(t.secret()));

        EnrollmentToken t2 = enrollments.createToken("acme", 1, Duration.ofHours(1));
        String bad = exchange(enrollRequest(basic(t2), Base64.getEncoder().encodeToString("garbage".getBytes()),
                "application/pkcs10"));
        assertTrue(bad.startsWith("HTTP/1.1 400 Bad Request\r\n"), bad);
        assertEquals("body is not a DER PKCS#10 certification request\n", body(bad));
        String notBase64 = exchange(enrollRequest(basic(t2), "!!!!", "application/pkcs10"));
        assertEquals("CSR is not base64 text\n", body(notBase64));
        String type = exchange(enrollRequest(basic(t2), csr(), "text/plain"));
        assertTrue(type.startsWith("HTTP/1.1 415 Unsupported Media Type\r\n"), type);
    }

    @Test
    void oversizedBodyIs413BeforeItIsRead() {
        String r = exchange("POST /.well-known/est/simpleenroll HTTP/1.1\r\nHost: gw\r\nContent-Length: 1000000\r\n\r\n");
        assertTrue(r.startsWith("HTTP/1.1 413 Request Entity Too Large\r\n"), r);
    }

    @Test
    void unknownPathsAndMethodsAreRefusedPlainly() {
        assertTrue(exchange("GET /.well-known/est/serverkeygen HTTP/1.1\r\n\r\n").startsWith("HTTP/1.1 404 Not Found"));
        assertTrue(exchange("GET /etc/passwd HTTP/1.1\r\n\r\n").startsWith("HTTP/1.1 404 Not Found"));
        String r = exchange("DELETE /.well-known/est/cacerts HTTP/1.1\r\n\r\n");
        assertTrue(r.startsWith("HTTP/1.1 405 Method Not Allowed") && r.contains("Allow: GET"), r);
        assertTrue(exchange("GARBAGE\r\n\r\n").startsWith("HTTP/1.1 400 Bad Request"));
    }

    static String basic(String id, String secret) {
        return "Basic " + Base64.getEncoder().encodeToString((id + ":" + secret).getBytes(StandardCharsets.UTF_8));
    }

    @Test
    void failedAttemptsOnOneTokenAre429WithRetryAfterEvenForTheRightSecretAndTheBurstIsAudited() throws Exception {
        EnrollmentToken t = enrollments.createToken("acme", 1, Duration.ofHours(1));
        String wrong = basic(t.id(), "0".repeat(48));
        for (int i = 0; i < 5; i++) {
            String r = exchange(enrollRequest(wrong, csr(), "application/pkcs10"));
            assertEquals("unknown enrollment token or wrong secret\n", body(r), r);
        }
        String limited = exchange(enrollRequest(basic(t), csr(), "application/pkcs10"));
        assertTrue(limited.startsWith("HTTP/1.1 429 Too Many Requests\r\n"), limited);
        assertTrue(limited.contains("Retry-After: 10\r\n"), limited);
        assertEquals("too many failed enrollment attempts with this token or from this address; retry in 10 s\n",
                body(limited));
        List<String> bursts = AuditLog.all(db).stream().filter(e -> e.event().kind().equals(AuditEvent.AUTH_BURST))
                .map(AuditEntry::format).map(l -> l.substring(l.indexOf(" auth.burst"))).toList();
        assertEquals(List.of(" auth.burst source=embedded : burst of failed authentication: source embedded is "
                + "limited", " auth.burst org=acme token=" + t.id() + " source=embedded : burst of failed "
                + "authentication: token " + t.id() + " at embedded is limited"), bursts);

        fake.advance(Duration.ofSeconds(4));
        assertTrue(exchange(enrollRequest(basic(t), csr(), "application/pkcs10")).contains("Retry-After: 6\r\n"));
        fake.advance(Duration.ofSeconds(6));
        String ok = exchange(enrollRequest(basic(t), csr(), "application/pkcs10"));
        assertTrue(ok.startsWith("HTTP/1.1 200 OK\r\n"), ok);
    }

    @Test
    void guessingManyTokenIdsFromOneAddressIsLimitedPerAddress() throws Exception {
        for (int i = 0; i < 5; i++) {
            String r = exchange(enrollRequest(basic(String.format("%012x", i), "0".repeat(48)), csr(),
                    "application/pkcs10"));
            assertTrue(r.startsWith("HTTP/1.1 401 Unauthorized\r\n"), r);
        }
        String r = exchange(enrollRequest(basic("00000000ffff", "0".repeat(48)), csr(), "application/pkcs10"));
        assertTrue(r.startsWith("HTTP/1.1 429 Too Many Requests\r\n"), r);
    }

    @Test
    void aRevokedTokenWithTheRightSecretIsToldSoAndAWrongSecretIsNot() throws Exception {
        EnrollmentToken t = enrollments.createToken("acme", 1, Duration.ofHours(1));
        assertTrue(new TokenAdmin(db, fake).revoke(t.id()));
        String r = exchange(enrollRequest(basic(t), csr(), "application/pkcs10"));
        assertEquals("token " + t + " was revoked; create a new one with `outpost-gateway token create`\n", body(r));
        String wrong = exchange(enrollRequest(basic(t.id(), "1".repeat(48)), csr(), "application/pkcs10"));
        assertEquals("unknown enrollment token or wrong secret\n", body(wrong));
    }

    /** The time as simplereenroll sees it (to present a certificate that expired a while ago). */
    Clock renewalClock = Clock.systemUTC();

    String reenrollRequest(String csrBase64) {
        return "POST /.well-known/est/simplereenroll HTTP/1.1\r\nHost: gw\r\nContent-Type: application/pkcs10\r\n"
                + "Content-Length: " + csrBase64.length() + "\r\n\r\n" + csrBase64;
    }

    static String csrFor(KeyPair kp) throws Exception {
        byte[] der = new JcaPKCS10CertificationRequestBuilder(new X500Name("CN=web-1"), kp.getPublic())
                .build(new JcaContentSignerBuilder("SHA256withECDSA").build(kp.getPrivate())).getEncoded();
        return Base64.getMimeEncoder().encodeToString(der);
    }

    @Test
    void simpleReenrollRenewsWithANewKeyAndLocksACopiedOldCertificate() throws Exception {
        EnrollmentToken t = enrollments.createToken("acme", 1, Duration.ofHours(1));
        KeyPair first = CertificateAuthority.newKeyPair(random);
        peer = certs(exchange(enrollRequest(basic(t), csrFor(first), "application/pkcs10"))).get(0);
        X509Certificate original = peer;

        assertTrue(exchange(reenrollRequest(csrFor(first))).contains("renewal needs a new key pair"),
                "the same key again is refused");
        KeyPair second = CertificateAuthority.newKeyPair(random);
        String r = exchange(reenrollRequest(csrFor(second)));
        assertTrue(r.startsWith("HTTP/1.1 200 OK\r\n"), r);
        X509Certificate renewed = certs(r).get(0);
        assertEquals(original.getSubjectX500Principal(), renewed.getSubjectX500Principal(), "same identity");
        assertEquals(second.getPublic(), renewed.getPublicKey(), "the new key");

        peer = renewed;
        KeyPair third = CertificateAuthority.newKeyPair(random);
        X509Certificate again = certs(exchange(reenrollRequest(csrFor(third)))).get(0);
        assertEquals(third.getPublic(), again.getPublicKey());

        peer = original; // a copy of the first certificate, two renewals old
        String copied = exchange(reenrollRequest(csrFor(CertificateAuthority.newKeyPair(random))));
        assertTrue(copied.startsWith("HTTP/1.1 403 Forbidden\r\n"), copied);
        assertTrue(body(copied).contains("is locked: this certificate (serial "
                + original.getSerialNumber().toString(16) + ") was already renewed, so its key was copied"), copied);
        peer = again; // locked now: even the genuine current certificate is refused
        assertTrue(exchange(reenrollRequest(csrFor(CertificateAuthority.newKeyPair(random))))
                .startsWith("HTTP/1.1 403 Forbidden\r\n"));
    }

    @Test
    void oneAddressIsLimitedOnEveryRequestAndToldWhenToComeBack() {
        rates = new EstRateLimitsConfig(1, 2, 0, 0);
        String cacerts = "GET /.well-known/est/cacerts HTTP/1.1\r\nHost: gw\r\n\r\n";
        assertTrue(exchange(cacerts).startsWith("HTTP/1.1 200 OK\r\n"));
        assertTrue(exchange("GET /nothing HTTP/1.1\r\n\r\n").startsWith("HTTP/1.1 404 "), "a 404 takes a request too");
        String r = exchange(cacerts);
        assertTrue(r.startsWith("HTTP/1.1 429 Too Many Requests\r\n"), r);
        assertTrue(r.contains("\r\nRetry-After: 1\r\n"), r);
        assertTrue(body(r).contains("rate limit: address requests exhausted"), r);
        assertEquals(java.util.Map.of("est 429", 1L), stats.refusedRequests(), "counted for watch");
        fake.advance(Duration.ofMillis(500));
        assertTrue(exchange(cacerts).startsWith("HTTP/1.1 200 OK\r\n"), "one request back after half a second");
    }

    @Test
    void anOrgOverItsEnrollmentRateGets429AndItsTokenUseIsNotSpentWhileAnotherOrgEnrolls() throws Exception {
        rates = new EstRateLimitsConfig(1, 0, 1, 0);
        EnrollmentToken acme = enrollments.createToken("acme", 2, Duration.ofHours(1));
        EnrollmentToken other = enrollments.createToken("other", 1, Duration.ofHours(1));
        assertTrue(exchange(enrollRequest(basic(acme), csr(), "application/pkcs10")).startsWith("HTTP/1.1 200 OK"));
        String r = exchange(enrollRequest(basic(acme), csr(), "application/pkcs10"));
        assertTrue(r.startsWith("HTTP/1.1 429 Too Many Requests\r\n"), r);
        assertTrue(r.contains("\r\nRetry-After: 1\r\n"), r);
        assertTrue(body(r).contains("org requests exhausted"), r);
        assertTrue(exchange(enrollRequest(basic(other), csr(), "application/pkcs10")).startsWith("HTTP/1.1 200 OK"),
                "another org has its own bucket");
        assertEquals(java.util.Map.of("acme", 1L), stats.limitedByOrg());
        fake.advance(Duration.ofSeconds(1));
        String again = exchange(enrollRequest(basic(acme), csr(), "application/pkcs10"));
        assertTrue(again.startsWith("HTTP/1.1 200 OK\r\n"), "the refused attempt did not use the token up: " + again);
    }

    @Test
    void oneAgentRenewingInALoopIsLimitedAndSoIsItsOrg() throws Exception {
        rates = new EstRateLimitsConfig(2, 0, 0, 1);
        EnrollmentToken t = enrollments.createToken("acme", 1, Duration.ofHours(1));
        peer = certs(exchange(enrollRequest(basic(t), csr(), "application/pkcs10"))).get(0);
        for (int i = 0; i < 2; i++) {
            String r = exchange(reenrollRequest(csrFor(CertificateAuthority.newKeyPair(random))));
            assertTrue(r.startsWith("HTTP/1.1 200 OK\r\n"), r);
            peer = certs(r).get(0);
        }
        String r = exchange(reenrollRequest(csrFor(CertificateAuthority.newKeyPair(random))));
        assertTrue(r.startsWith("HTTP/1.1 429 Too Many Requests\r\n"), r);
        assertTrue(body(r).contains("agent requests exhausted"), r);
        assertEquals(java.util.Map.of("acme", 1L), stats.limitedByOrg());
        fake.advance(Duration.ofSeconds(1));
        assertTrue(exchange(reenrollRequest(csrFor(CertificateAuthority.newKeyPair(random))))
                .startsWith("HTTP/1.1 200 OK\r\n"));
    }

    @Test
    void simpleReenrollWithoutAClientCertificateIs401() throws Exception {
        peer = null;
        String r = exchange(reenrollRequest(csrFor(CertificateAuthority.newKeyPair(random))));
        assertTrue(r.startsWith("HTTP/1.1 401 Unauthorized\r\n"), r);
        assertEquals("simplereenroll needs the current certificate as the TLS client certificate\n", body(r));
    }

    @Test
    void anExpiredCertificateRenewsWithinTheGraceAndBeyondItIsToldToEnrollAgain() throws Exception {
        EnrollmentToken t = enrollments.createToken("acme", 1, Duration.ofHours(1));
        peer = certs(exchange(enrollRequest(basic(t), csrFor(CertificateAuthority.newKeyPair(random)),
                "application/pkcs10"))).get(0);
        java.time.Instant expiry = peer.getNotAfter().toInstant();

        renewalClock = Clock.fixed(expiry.plus(Duration.ofDays(9)), java.time.ZoneOffset.UTC);
        String late = exchange(reenrollRequest(csrFor(CertificateAuthority.newKeyPair(random))));
        assertTrue(late.startsWith("HTTP/1.1 403 Forbidden\r\n"), late);
        assertEquals("certificate expired at " + expiry + ", more than the renewal grace of 7d ago; enroll this host "
                + "again with a new token\n", body(late));

        renewalClock = Clock.fixed(expiry.plus(Duration.ofDays(6)), java.time.ZoneOffset.UTC);
        KeyPair next = CertificateAuthority.newKeyPair(random);
        String inGrace = exchange(reenrollRequest(csrFor(next)));
        assertTrue(inGrace.startsWith("HTTP/1.1 200 OK\r\n"), inGrace);
        assertEquals(next.getPublic(), certs(inGrace).get(0).getPublicKey());
    }

    static String csrFor(KeyPair kp, String signature) throws Exception {
        byte[] der = new JcaPKCS10CertificationRequestBuilder(new X500Name("CN=device-7"), kp.getPublic())
                .build(new JcaContentSignerBuilder(signature).build(kp.getPrivate())).getEncoded();
        return Base64.getMimeEncoder().encodeToString(der);
    }

    static KeyPair keyPair(String algorithm, java.security.spec.AlgorithmParameterSpec spec) throws Exception {
        java.security.KeyPairGenerator g = java.security.KeyPairGenerator.getInstance(algorithm);
        g.initialize(spec);
        return g.generateKeyPair();
    }

    @Test
    void theBasicUserIsTheTokenIdWithOrWithoutItsPrefix() throws Exception {
        EnrollmentToken t = enrollments.createToken("acme", 2, Duration.ofHours(1));
        assertTrue(exchange(enrollRequest(basic("opt_" + t.id(), t.secret()), csr(), "application/pkcs10"))
                .startsWith("HTTP/1.1 200 OK\r\n"), "opt_<id> as printed by token create");
        assertTrue(exchange(enrollRequest(basic(t.id(), t.secret()), csr(), "application/pkcs10"))
                .startsWith("HTTP/1.1 200 OK\r\n"), "<id> alone");
    }

    @Test
    void csrattrsTellsClientsWhichKeysToGenerate() throws Exception {
        String r = exchange("GET /.well-known/est/csrattrs HTTP/1.1\r\nHost: gw\r\n\r\n");
        assertTrue(r.startsWith("HTTP/1.1 200 OK\r\n"), r);
        assertTrue(r.contains("Content-Type: application/csrattrs\r\n"), r);
        assertTrue(r.contains("Content-Transfer-Encoding: base64\r\n"), r);
        var attrs = org.bouncycastle.asn1.est.CsrAttrs.getInstance(Base64.getMimeDecoder().decode(body(r)));
        assertEquals("[1.2.840.10045.4.3.2, [1.2.840.10045.2.1, [1.3.132.0.34, 1.2.840.10045.3.1.7]]]",
                java.util.Arrays.toString(java.util.Arrays.stream(attrs.getAttrOrOIDs())
                        .map(a -> a.isOid() ? a.getOid().getId() : a.getAttribute().getAttrType().getId() + ", "
                                + a.getAttribute().getAttrValues())
                        .map(x -> x.contains(",") ? "[" + x + "]" : x).toArray()),
                "ecdsa-with-SHA256, and an EC public key on P-384 or P-256 (a DER set sorts them)");
        policy = new CaConfig(null, null, null, List.of(KeyType.EC_P256, KeyType.RSA), null);
        var withRsa = org.bouncycastle.asn1.est.CsrAttrs.getInstance(Base64.getMimeDecoder().decode(body(exchange(
                "GET /.well-known/est/csrattrs HTTP/1.1\r\nHost: gw\r\n\r\n"))));
        assertEquals("1.2.840.113549.1.1.1 [3072]", withRsa.getAttrOrOIDs()[2].getAttribute().getAttrType().getId()
                + " " + withRsa.getAttrOrOIDs()[2].getAttribute().getAttrValues(), "rsaEncryption of 3072 bits at least");
    }

    @Test
    void keyTypesFollowThePolicyAndARefusalNamesTheAcceptedOnes() throws Exception {
        EnrollmentToken t = enrollments.createToken("acme", 10, Duration.ofHours(1));
        KeyPair p384 = keyPair("EC", new java.security.spec.ECGenParameterSpec("secp384r1"));
        String ok = exchange(enrollRequest(basic(t), csrFor(p384, "SHA384withECDSA"), "application/pkcs10"));
        assertTrue(ok.startsWith("HTTP/1.1 200 OK\r\n"), ok);
        assertEquals(p384.getPublic(), certs(ok).get(0).getPublicKey());

        KeyPair rsa = keyPair("RSA", new java.security.spec.RSAKeyGenParameterSpec(3072,
                java.security.spec.RSAKeyGenParameterSpec.F4));
        String refused = exchange(enrollRequest(basic(t), csrFor(rsa, "SHA256withRSA"), "application/pkcs10"));
        assertTrue(refused.startsWith("HTTP/1.1 400 Bad Request\r\n"), refused);
        assertEquals("CSR key is RSA of 3072 bits; this gateway certifies EC P-256 or EC P-384 keys (see "
                + "/.well-known/est/csrattrs)\n", body(refused));
        KeyPair p521 = keyPair("EC", new java.security.spec.ECGenParameterSpec("secp521r1"));
        assertEquals("CSR key is EC on another curve than P-256 and P-384; this gateway certifies EC P-256 or EC P-384 "
                + "keys (see /.well-known/est/csrattrs)\n", body(exchange(enrollRequest(basic(t),
                        csrFor(p521, "SHA512withECDSA"), "application/pkcs10"))));
        KeyPair p256 = CertificateAuthority.newKeyPair(random);
        assertEquals("CSR is signed with algorithm 1.2.840.10045.4.1; sign it with SHA-256 or stronger (e.g. "
                + "ecdsa-with-SHA256, sha256WithRSAEncryption)\n", body(exchange(enrollRequest(basic(t),
                        csrFor(p256, "SHA1withECDSA"), "application/pkcs10"))));

        policy = new CaConfig(null, null, null, List.of(KeyType.EC_P256, KeyType.RSA), null);
        String rsaOk = exchange(enrollRequest(basic(t), csrFor(rsa, "SHA256withRSA"), "application/pkcs10"));
        assertTrue(rsaOk.startsWith("HTTP/1.1 200 OK\r\n"), rsaOk);
        assertEquals(rsa.getPublic(), certs(rsaOk).get(0).getPublicKey());
        KeyPair small = keyPair("RSA", new java.security.spec.RSAKeyGenParameterSpec(2048,
                java.security.spec.RSAKeyGenParameterSpec.F4));
        assertEquals("CSR key is RSA of 2048 bits; this gateway certifies EC P-256 or RSA of 3072 to 8192 bits keys "
                + "(see /.well-known/est/csrattrs)\n", body(exchange(enrollRequest(basic(t),
                        csrFor(small, "SHA256withRSA"), "application/pkcs10"))));
    }

    @Test
    void sameKeyRenewalIsAPerGatewayChoice() throws Exception {
        EnrollmentToken t = enrollments.createToken("acme", 1, Duration.ofHours(1));
        KeyPair kp = CertificateAuthority.newKeyPair(random);
        peer = certs(exchange(enrollRequest(basic(t), csrFor(kp), "application/pkcs10"))).get(0);
        String refused = exchange(reenrollRequest(csrFor(kp)));
        assertTrue(refused.startsWith("HTTP/1.1 400 Bad Request\r\n"), refused);
        assertEquals("renewal needs a new key pair: the CSR carries the key of the certificate it renews (this gateway "
                + "refuses same-key renewal: ca.same_key_renewal is refuse)\n", body(refused));

        policy = new CaConfig(null, null, null, null, SameKeyRenewal.ALLOW);
        String renewed = exchange(reenrollRequest(csrFor(kp)));
        assertTrue(renewed.startsWith("HTTP/1.1 200 OK\r\n"), renewed);
        X509Certificate next = certs(renewed).get(0);
        assertEquals(kp.getPublic(), next.getPublicKey());
        assertFalse(next.getSerialNumber().equals(peer.getSerialNumber()));
    }
}
