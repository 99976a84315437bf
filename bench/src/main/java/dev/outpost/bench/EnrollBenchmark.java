package dev.outpost.bench;

import dev.outpost.gateway.ca.AgentIdentity;
import dev.outpost.gateway.ca.CertificateAuthority;
import dev.outpost.gateway.store.Database;
import dev.outpost.gateway.store.Enrollments;
import dev.outpost.gateway.store.LocalPostgres;
import dev.outpost.gateway.store.TokenHasher;
import dev.outpost.wire.EnrollmentToken;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.PublicKey;
import java.security.SecureRandom;
import java.security.cert.X509Certificate;
import java.time.Clock;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Function;

/**
 * Enrollment throughput of the state store: concurrent enrollments (verify the token, consume a use, sign the
 * certificate with the real CA, record the agent, audit), each durable before it returns, against SQLite and
 * against PostgreSQL with one and with two gateways (two stores, each with its own pool and group commit, on one
 * database). One enroller at a time shows the cost of one transaction and fsync per enrollment; many at once show
 * group commit. Agent keys are generated before the clock starts. Prints figures; asserts nothing.
 */
public final class EnrollBenchmark {
    private EnrollBenchmark() {
    }

    public static void main(String[] args) throws Exception {
        double seconds = args.length > 0 ? Double.parseDouble(args[0]) : 10;
        int concurrency = args.length > 1 ? Integer.parseInt(args[1]) : 64;
        SecureRandom random = new SecureRandom();
        Clock clock = Clock.systemUTC();
        Path root = Files.createTempDirectory("outpost-enroll-bench");
        CertificateAuthority ca = CertificateAuthority.generate("bench", Duration.ofDays(365), clock, random);
        int keyCount = 40_000;
        System.out.printf("generating %d agent keys (EC P-256)...%n", keyCount);
        PublicKey[] keys = new PublicKey[keyCount];
        for (int i = 0; i < keyCount; i++) {
            keys[i] = CertificateAuthority.newKeyPair(random).getPublic();
        }
        TokenHasher hasher = TokenHasher.loadOrCreate(root.resolve("pepper"), random);
        LocalPostgres pg = LocalPostgres.get();
        if (pg == null) {
            System.out.println("PostgreSQL rows skipped: " + LocalPostgres.unavailable());
        }
        System.out.printf("%n%-12s %9s %11s %12s %9s %14s %10s %10s%n", "store", "gateways", "concurrent",
                "enrollments", "seconds", "enrollments/s", "p50 ms", "p99 ms");
        int run = 0;
        for (int c : new int[] {1, concurrency}) {
            Path file = root.resolve("state-" + (run++) + ".db");
            row("sqlite", c, seconds, keys, ca, hasher, clock, random, List.of(Database.open(file)));
            if (pg != null) {
                for (int gateways : new int[] {1, 2}) {
                    row("postgresql", c, seconds, keys, ca, hasher, clock, random, pg.gateways(gateways));
                }
            }
        }
    }

    private static void row(String store, int concurrency, double seconds, PublicKey[] keys, CertificateAuthority ca,
            TokenHasher hasher, Clock clock, SecureRandom random, List<Database> gateways) throws Exception {
        EnrollmentToken token = new Enrollments(gateways.get(0), hasher, clock, random)
                .createToken("bench", Enrollments.MAX_USES, Duration.ofHours(1));
        AtomicInteger next = new AtomicInteger();
        AtomicInteger failed = new AtomicInteger();
        long[][] latencies = new long[concurrency][];
        int[] counts = new int[concurrency];
        long deadline = System.nanoTime() + (long) (seconds * 1e9);
        CountDownLatch done = new CountDownLatch(concurrency);
        long t0 = System.nanoTime();
        for (int t = 0; t < concurrency; t++) {
            int me = t;
            Database db = gateways.get(t % gateways.size());
            Enrollments enrollments = new Enrollments(db, hasher, clock, random);
            latencies[me] = new long[keys.length];
            Thread th = new Thread(() -> {
                try {
                    while (System.nanoTime() < deadline) {
                        int i = next.getAndIncrement();
                        if (i >= keys.length) {
                            break;
                        }
                        PublicKey key = keys[i];
                        Function<AgentIdentity, X509Certificate> issue =
                                id -> ca.issueAgent(key, id, "outpost.local", Duration.ofHours(24));
                        long s = System.nanoTime();
                        try {
                            enrollments.enroll(token.id(), token.secret(), "host-" + i, "192.0.2.1", key, issue);
                            latencies[me][counts[me]++] = System.nanoTime() - s;
                        } catch (Exception e) {
                            if (failed.getAndIncrement() == 0) {
                                System.out.println("  first failure: " + e);
                            }
                        }
                    }
                } finally {
                    done.countDown();
                }
            }, "enroll-" + t);
            th.start();
        }
        done.await();
        double elapsed = (System.nanoTime() - t0) / 1e9;
        int total = Arrays.stream(counts).sum();
        long[] all = new long[total];
        int k = 0;
        for (int t = 0; t < concurrency; t++) {
            System.arraycopy(latencies[t], 0, all, k, counts[t]);
            k += counts[t];
        }
        Arrays.sort(all);
        System.out.printf("%-12s %9d %11d %12d %9.1f %14.1f %10.1f %10.1f%s%n", store, gateways.size(), concurrency,
                total, elapsed, total / elapsed, pct(all, 0.50), pct(all, 0.99),
                failed.get() == 0 ? "" : "  (" + failed.get() + " failed)");
        for (Database db : gateways) {
            db.close();
        }
    }

    private static double pct(long[] sorted, double q) {
        return sorted.length == 0 ? 0 : sorted[Math.min(sorted.length - 1, (int) (q * sorted.length))] / 1e6;
    }
}
