package dev.outpost.agent.enroll;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.outpost.agent.MutableClock;
import dev.outpost.agent.tls.Credentials;
import dev.outpost.agent.tls.Identity;
import dev.outpost.agent.tls.TestCa;
import dev.outpost.agent.transport.Backoff;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.random.RandomGenerator;
import javax.net.ssl.SSLException;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** When the renewer renews, how it backs off, and when it gives up — all on a clock the test moves. */
class RenewerTest {
    private static final Instant T0 = Instant.parse("2026-11-22T00:00:00Z");
    private static final Duration LIFETIME = Duration.ofSeconds(1000);
    private static final String AGENT = "a-00000000000000aa";
    @TempDir
    Path dir;
    private final MutableClock clock = new MutableClock(T0);
    private final List<Instant> attempts = new ArrayList<>();
    private TestCa ca;
    private Identity identity;

    @BeforeEach
    void enroll() throws Exception {
        ca = new TestCa();
        ca.credentials(AGENT, "acme", T0, T0.plus(LIFETIME)).store(dir);
        identity = Identity.load(dir);
    }

    /** A random source at a fixed point: nextDouble() is {@code fraction}, jitter always the largest delay. */
    private static RandomGenerator fixed(double fraction) {
        return new RandomGenerator() {
            @Override
            public long nextLong() {
                throw new UnsupportedOperationException("not used by the renewer");
            }

            @Override
            public double nextDouble() {
                return fraction;
            }

            @Override
            public long nextLong(long bound) {
                return bound - 1;
            }
        };
    }

    private Renewer renewer(RandomGenerator random, Renewer.Reenroll est) {
        Backoff backoff = new Backoff(Duration.ofSeconds(1), Duration.ofMinutes(2), Duration.ofMinutes(10), random, clock);
        return new Renewer(identity, current -> {
            attempts.add(clock.instant());
            return est.renew(current);
        }, backoff, random, clock);
    }

    private Credentials issueNow(Credentials current) throws IOException {
        try {
            return ca.credentials(current.agentId(), current.org(), clock.instant(), clock.instant().plus(LIFETIME));
        } catch (Exception e) {
            throw new IOException(e);
        }
    }

    private static Renewer.Reenroll failing(int status, String retryAfter, String message) {
        return current -> {
            throw new EstClient.RefusedException(status, retryAfter, message);
        };
    }

    @Test
    void theRenewalPointIsUniformBetween50And70PercentOfTheLifetime() {
        SplittableRandom random = new SplittableRandom(7);
        double min = 1;
        double max = 0;
        for (int i = 0; i < 500; i++) {
            Renewer r = new Renewer(identity, c -> null, new Backoff(Duration.ofSeconds(1), Duration.ofMinutes(2),
                    Duration.ofMinutes(10), random, clock), random, clock);
            r.tick();
            double at = Duration.between(T0, r.nextAttempt()).toMillis() / (double) LIFETIME.toMillis();
            min = Math.min(min, at);
            max = Math.max(max, at);
        }
        assertTrue(min >= 0.5 && min < 0.51, "earliest " + min);
        assertTrue(max <= 0.7 && max > 0.69, "latest " + max);
        assertTrue(attempts.isEmpty(), "nothing is renewed before its time");
    }

    @Test
    void itRenewsAtTheDrawnPointWithANewKeyAndPlansTheNextRenewalFromTheNewCertificate() throws Exception {
        Renewer r = renewer(fixed(0.25), this::issueNow);
        Credentials first = identity.current();
        assertEquals(Duration.ofMinutes(1), r.tick(), "sleeps are capped so a host waking from suspend re-checks");
        assertEquals(T0.plusSeconds(550), r.nextAttempt(), "50% + 0.25 * 20% of 1000 s");
        clock.advance(Duration.ofSeconds(549));
        assertEquals(Duration.ofSeconds(1), r.tick());
        assertTrue(attempts.isEmpty());

        clock.advance(Duration.ofSeconds(1));
        r.tick();

        assertEquals(List.of(T0.plusSeconds(550)), attempts);
        Credentials second = identity.current();
        assertNotEquals(first.serial(), second.serial());
        assertNotEquals(first.certificate().getPublicKey(), second.certificate().getPublicKey());
        assertEquals(T0.plusSeconds(550 + 550), r.nextAttempt(), "planned from the new certificate's lifetime");
        assertEquals(1, r.renewals());
    }

    @Test
    void failuresBackOffWithFullJitterCappedAndDenserNearExpiryAndGoOnPastIt() {
        Renewer r = renewer(fixed(0), failing(503, null, "gateway refused simplereenroll (HTTP 503): busy"));
        r.tick();
        for (int i = 0; i < 60 && clock.instant().isBefore(T0.plusSeconds(1300)); i++) {
            clock.advance(Duration.between(clock.instant(), r.nextAttempt()));
            r.tick();
        }
        List<Long> gaps = new ArrayList<>();
        for (int i = 1; i < attempts.size(); i++) {
            gaps.add(Duration.between(attempts.get(i - 1), attempts.get(i)).toSeconds());
        }
        assertEquals(T0.plusSeconds(500), attempts.get(0));
        assertEquals(List.of(1L, 2L, 4L, 8L, 16L, 32L, 64L, 120L, 120L), gaps.subList(0, 9),
                "exponential up to the 2 min cap (jitter at its largest here)");
        for (int i = 1; i < attempts.size(); i++) {
            Duration left = Duration.between(attempts.get(i - 1), T0.plus(LIFETIME));
            if (!left.isNegative()) {
                assertTrue(gaps.get(i - 1) <= Math.max(1, left.toSeconds() / 2),
                        "before expiry a retry comes within half the time left: " + gaps);
            }
        }
        assertTrue(attempts.get(attempts.size() - 1).isAfter(T0.plus(LIFETIME)), "renewal goes on past expiry");
        assertEquals(attempts.size(), r.failures());
    }

    @Test
    void retryAfterFromTheGatewayIsHonoured() {
        Renewer r = renewer(fixed(0), failing(429, "90", "gateway refused simplereenroll (HTTP 429): slow down"));
        clock.advance(Duration.ofSeconds(500));
        r.tick();
        assertEquals(T0.plusSeconds(590), r.nextAttempt());
    }

    @Test
    void aRefusalStopsRenewalAtOnceAndSaysWhy() {
        Renewer r = renewer(fixed(0), failing(403, null,
                "gateway refused simplereenroll (HTTP 403): agent a-00000000000000aa is revoked"));
        clock.advance(Duration.ofSeconds(500));
        assertNull(r.tick());
        assertEquals("the gateway refused to renew the certificate of a-00000000000000aa (gateway refused "
                + "simplereenroll (HTTP 403): agent a-00000000000000aa is revoked)", r.refusal());
        clock.advance(Duration.ofHours(1));
        assertNull(r.tick());
        assertEquals(1, attempts.size(), "no retry after a refusal");
    }

    @Test
    void anExpiredCertificateRenewsAtOnceAndPastTheGraceTheMessageSaysHowToComeBack() {
        clock.advance(LIFETIME.plusDays(9));
        Renewer r = renewer(fixed(0.5), failing(403, null, "gateway refused simplereenroll (HTTP 403): expired"));
        assertNull(r.tick());
        assertEquals(List.of(T0.plus(LIFETIME).plus(Duration.ofDays(9))), attempts, "no waiting for an expired certificate");
        assertEquals("the certificate of a-00000000000000aa expired at 2026-11-22T00:16:40Z and the gateway refused "
                + "to renew it (gateway refused simplereenroll (HTTP 403): expired). This host needs a new enrollment "
                + "token: create one with `outpost-gateway token create --org acme`, then run `outpost-agent enroll "
                + "--force --server URL --ca-sha256 PIN --token-file FILE` and start the agent again (installed from a "
                + "package: `install.sh --reenroll --server URL --ca-pin PIN --token-file FILE` does both)", r.refusal());
    }

    @Test
    void anExpiredCertificateWithinTheGraceComesBack() {
        clock.advance(LIFETIME.plusDays(3));
        Renewer r = renewer(fixed(0.5), this::issueNow);
        r.tick();
        assertEquals(1, attempts.size());
        assertTrue(identity.current().notAfter().isAfter(clock.instant()));
    }

    @Test
    void aRenewedCertificateTheGatewayRefusedIsRetriedWithBackoffFromTheOldOne() {
        Renewer r = renewer(fixed(0), this::issueNow);
        Credentials first = identity.current();
        clock.advance(Duration.ofSeconds(500));
        r.tick();
        identity.tlsRefused(identity.context(), new IOException("refused",
                new SSLException("Received fatal alert: bad_certificate")));
        assertEquals(first.serial(), identity.current().serial());

        r.tick();

        assertEquals(1, attempts.size(), "not at once: the gateway just refused what it issued");
        assertEquals(T0.plusSeconds(501), r.nextAttempt());
    }

    private static Renewer.Reenroll untrusted() {
        return current -> {
            throw new IOException("TLS to https://gw:8443 refused: the gateway presented CA sha256:00",
                    new SSLException("handshake failed",
                            new dev.outpost.agent.tls.UntrustedGatewayException("the gateway presented CA sha256:00")));
        };
    }

    @Test
    void aGatewayWhoseCaIsNotTrustedIsRetriedWhileTheCertificateIsValidAndEndsRenewalOnceItExpired() {
        clock.advance(Duration.ofSeconds(700));
        Renewer r = renewer(fixed(0.5), untrusted());
        assertTrue(r.tick() != null, "a server URL pointing elsewhere for a while must not end a valid agent");
        assertNull(r.refusal());

        clock.advance(LIFETIME);
        Renewer late = renewer(fixed(0.5), untrusted());
        assertNull(late.tick());
        assertEquals("the certificate of a-00000000000000aa expired at 2026-11-22T00:16:40Z and this agent cannot "
                + "renew it: TLS to https://gw:8443 refused: the gateway presented CA sha256:00. This host needs a new "
                + "enrollment token: create one with `outpost-gateway token create --org acme`, then run `outpost-agent "
                + "enroll --force --server URL --ca-sha256 PIN --token-file FILE` and start the agent again (installed "
                + "from a package: `install.sh --reenroll --server URL --ca-pin PIN --token-file FILE` does both)",
                late.refusal());
    }
}
