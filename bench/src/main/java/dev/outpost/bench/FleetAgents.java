package dev.outpost.bench;

import dev.outpost.agent.enroll.Enroller;
import dev.outpost.agent.tls.Credentials;
import dev.outpost.wire.CaPin;
import dev.outpost.wire.EnrollmentToken;
import dev.outpost.wire.Pem;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.PrivateKey;
import java.security.SecureRandom;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.security.spec.PKCS8EncodedKeySpec;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The simulated agents of the fleet benchmark: enrolled over EST with the agent's own {@link Enroller} (a new EC
 * key and a CSR each, real certificates from the gateway's CA), kept in {@code agents.txt} (0600: private keys) so
 * that a later run with the same directory can use them again while their certificates are valid.
 */
final class FleetAgents {
    static final String FILE = "agents.txt";
    static final String CA_FILE = "ca.pem";

    /** One agent: its id (the certificate's), key and certificate. */
    record Agent(String id, PrivateKey key, X509Certificate cert) {
    }

    private FleetAgents() {
    }

    /**
     * Enrolls {@code count} agents against {@code est} with at most {@code concurrency} at once, appending them to
     * {@code dir}'s file as they come; returns the enrollments per second, or -1 if {@code dir} already held enough
     * agents valid for another hour (nothing enrolled).
     */
    static double enroll(Path dir, URI est, CaPin pin, EnrollmentToken token, int count, int concurrency)
            throws Exception {
        List<Agent> have = loadIfValid(dir, count, Duration.ofHours(1));
        if (have != null) {
            return -1;
        }
        Files.createDirectories(dir);
        Path tmp = dir.resolve(FILE + ".tmp");
        Files.deleteIfExists(tmp);
        Files.createFile(tmp, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
        String[] lines = new String[count];
        List<X509Certificate> bundle = new ArrayList<>();
        AtomicInteger failures = new AtomicInteger();
        AtomicInteger next = new AtomicInteger();
        ExecutorService pool = Executors.newFixedThreadPool(concurrency);
        long t0 = System.nanoTime();
        try {
            Enroller enroller = new Enroller(new SecureRandom(), Duration.ofSeconds(60));
            List<Future<?>> workers = new ArrayList<>();
            for (int w = 0; w < concurrency; w++) {
                workers.add(pool.submit(() -> {
                    for (int i = next.getAndIncrement(); i < count; i = next.getAndIncrement()) {
                        Credentials c = enrollOne(enroller, est, pin, token, String.format("bench-%05d", i), failures);
                        lines[i] = line(c);
                        if (i == 0) {
                            synchronized (bundle) {
                                bundle.addAll(c.trustBundle());
                            }
                        }
                    }
                    return null;
                }));
            }
            for (Future<?> f : workers) {
                f.get();
            }
        } finally {
            pool.shutdownNow();
        }
        double seconds = (System.nanoTime() - t0) / 1e9;
        Files.write(tmp, List.of(lines), StandardCharsets.US_ASCII);
        Files.move(tmp, dir.resolve(FILE), StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        Files.writeString(dir.resolve(CA_FILE), Pem.certificates(bundle));
        if (failures.get() > 0) {
            System.out.printf("enrollment: %d attempts were refused or failed and were retried%n", failures.get());
        }
        return count / seconds;
    }

    /** Enrolls one agent, retrying a refusal (429: the rate limits) up to 20 times. */
    private static Credentials enrollOne(Enroller enroller, URI est, CaPin pin, EnrollmentToken token, String host,
            AtomicInteger failures) throws IOException, InterruptedException {
        for (int attempt = 1; ; attempt++) {
            try {
                return enroller.enroll(est, pin, token, host);
            } catch (IOException e) {
                failures.incrementAndGet();
                if (attempt >= 20) {
                    throw new IOException("enrolling " + host + " failed " + attempt + " times: " + e.getMessage(), e);
                }
                Thread.sleep(Math.min(2000, 50L << Math.min(attempt, 6)));
            }
        }
    }

    private static String line(Credentials c) throws GeneralSecurityException {
        Base64.Encoder b64 = Base64.getEncoder();
        return c.certificate().getSubjectX500Principal().getName() + "\t" + agentId(c.certificate()) + "\t"
                + b64.encodeToString(c.key().getEncoded()) + "\t" + b64.encodeToString(c.certificate().getEncoded());
    }

    /** The agent id the gateway gave: the last path segment of the certificate's SPIFFE URI. */
    static String agentId(X509Certificate cert) throws GeneralSecurityException {
        var sans = cert.getSubjectAlternativeNames();
        if (sans != null) {
            for (List<?> san : sans) {
                if (san.size() == 2 && Integer.valueOf(6).equals(san.get(0))) {
                    String uri = san.get(1).toString();
                    return uri.substring(uri.lastIndexOf('/') + 1);
                }
            }
        }
        throw new GeneralSecurityException("the agent certificate has no URI name");
    }

    /** The first {@code count} agents of {@code dir}, or null if it has fewer valid for {@code margin} more. */
    static List<Agent> loadIfValid(Path dir, int count, Duration margin) throws Exception {
        Path file = dir.resolve(FILE);
        if (!Files.isRegularFile(file) || !Files.isRegularFile(dir.resolve(CA_FILE))) {
            return null;
        }
        List<String> lines = Files.readAllLines(file, StandardCharsets.US_ASCII);
        if (lines.size() < count) {
            return null;
        }
        List<Agent> agents = new ArrayList<>(count);
        KeyFactory kf = KeyFactory.getInstance("EC");
        CertificateFactory cf = CertificateFactory.getInstance("X.509");
        Base64.Decoder b64 = Base64.getDecoder();
        Instant until = Instant.now().plus(margin);
        for (int i = 0; i < count; i++) {
            String[] f = lines.get(i).split("\t");
            if (f.length != 4) {
                return null;
            }
            X509Certificate cert = (X509Certificate) cf.generateCertificate(new ByteArrayInputStream(b64.decode(f[3])));
            if (cert.getNotAfter().toInstant().isBefore(until)) {
                return null;
            }
            agents.add(new Agent(f[1], kf.generatePrivate(new PKCS8EncodedKeySpec(b64.decode(f[2]))), cert));
        }
        return agents;
    }

    /** The CA bundle the agents trust (the gateway's EST cacerts). */
    static List<X509Certificate> trust(Path dir) throws IOException {
        return Pem.readCertificates(dir.resolve(CA_FILE));
    }
}
